//! wasm-bindgen binding of benignfit-core. The surface (names, arguments, docs, bodies) is declared
//! once in the core (`benignfit_core::binding_surface!`, crates/core/src/api/surface.rs); `export!`
//! below only adds wasm-bindgen's attributes, reads plain JS objects and maps errors to JS `Error`s
//! carrying `code`, `field`, `got` and `expected`. Arrays are copied in and out (`Vec`). A panic
//! cannot unwind in wasm; the hook records its message so the TypeScript loader can report it
//! (`lastPanic`) and start a fresh instance. Threads: one per instance.
#![allow(non_snake_case, clippy::too_many_arguments, clippy::unused_unit, clippy::redundant_closure_call)]

use benignfit_core::api::CoreError;
use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type Core<T> = benignfit_core::Result<T>;
type R<T> = Result<T, JsValue>;
type Float32Array = Vec<f32>;
type Float64Array = Vec<f64>;
type Int32Array = Vec<i32>;
type Uint8Array = Vec<u8>;
type Uint32Array = Vec<u32>;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()))));
}

#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// A core error as a JS `Error` with `code`, `field`, `got` and `expected` properties.
fn err(e: CoreError) -> JsValue {
    let o = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: &str| Reflect::set(&o, &k.into(), &v.into());
    let _ = set("code", e.code());
    for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
        if let Some(v) = v {
            let _ = set(k, v);
        }
    }
    o.into()
}

/// A value of a plain object's field, copied into wasm memory.
trait FromJs: Sized {
    const WANT: &'static str;
    fn from_js(v: JsValue) -> Option<Self>;
}

macro_rules! typed_array {
    ($($t:ty => $js:ident),*) => {$(
        impl FromJs for Vec<$t> {
            const WANT: &'static str = stringify!($js);
            fn from_js(v: JsValue) -> Option<Self> {
                v.dyn_into::<js_sys::$js>().ok().map(|a| a.to_vec())
            }
        }
    )*};
}
typed_array!(f32 => Float32Array, f64 => Float64Array, i32 => Int32Array, u8 => Uint8Array);

impl FromJs for String {
    const WANT: &'static str = "string";
    fn from_js(v: JsValue) -> Option<Self> {
        v.as_string()
    }
}

impl FromJs for u32 {
    const WANT: &'static str = "number";
    fn from_js(v: JsValue) -> Option<Self> {
        v.as_f64().filter(|x| *x >= 0.0 && *x <= u32::MAX as f64).map(|x| x as u32)
    }
}

/// A field: required (`T`) or optional (`Option<T>`: absent or null is None).
trait Field: Sized {
    fn get(o: &JsValue, key: &str) -> Core<Self>;
}

fn optional<T: FromJs>(o: &JsValue, key: &str) -> Core<Option<T>> {
    let v = Reflect::get(o, &key.into()).map_err(|_| CoreError::invalid(key, "an unreadable value", format!("a {}", T::WANT)))?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    T::from_js(v).map(Some).ok_or_else(|| CoreError::invalid(key, "another type", format!("a {}", T::WANT)))
}

impl<T: FromJs> Field for T {
    fn get(o: &JsValue, key: &str) -> Core<Self> {
        optional(o, key)?.ok_or_else(|| CoreError::invalid(key, "nothing", format!("a {}", T::WANT)))
    }
}

impl<T: FromJs> Field for Option<T> {
    fn get(o: &JsValue, key: &str) -> Core<Self> {
        optional(o, key)
    }
}

macro_rules! export {
    (
        objects_in { $( $(#[$($im:tt)*])* $iname:ident { $( $(#[$($ifm:tt)*])* $if:ident : $it:ty ),* $(,)? } view(&$vself:ident) -> $vt:ty $vbody:block )* }
        objects_out { $( $(#[$($om:tt)*])* $oname:ident { $( $(#[$($ofm:tt)*])* $of:ident : $ot:ty ),* $(,)? } )* }
        functions { $( $(#[$($fm:tt)*])* fn $fname:ident ( $( $fa:ident : $ft:ty ),* ) -> $fr:ty $fbody:block )* }
        classes { $( $(#[$($cm:tt)*])* $cname:ident ( $inner:ty ) {
            $(#[$($nm:tt)*])* new ( $( $na:ident : $nt:ty ),* ) $nbody:block
            $( $(#[$($mm:tt)*])* fn $mname:ident ( &mut $this:ident $(, $ma:ident : $mt:ty )* ) -> $mr:ty $mbody:block )*
        } native { $($native_only:tt)* } )* }
    ) => {
        $( paste::paste! {
            #[wasm_bindgen]
            extern "C" {
                $(#[$($im)*])*
                #[wasm_bindgen(typescript_type = "object")]
                pub type $iname;
            }
            /// The fields, copied out of the JS object.
            pub struct [<$iname Fields>] { $( $(#[$($ifm)*])* pub $if: $it, )* }
            impl $iname {
                fn read(&self) -> Core<[<$iname Fields>]> {
                    Ok([<$iname Fields>] { $( $if: Field::get(self, stringify!($if))?, )* })
                }
            }
            impl [<$iname Fields>] {
                fn view(&$vself) -> $vt $vbody
            }
        } )*
        $(
            $(#[$($om)*])*
            #[wasm_bindgen(getter_with_clone)]
            pub struct $oname { $( $(#[$($ofm)*])* pub $of: $ot, )* }
        )*
        $(
            $(#[$($fm)*])*
            #[wasm_bindgen]
            pub fn $fname($( $fa: $ft ),*) -> R<$fr> {
                (|| -> Core<_> { $fbody })().map(Into::into).map_err(err)
            }
        )*
        $(
            $(#[$($cm)*])*
            #[wasm_bindgen]
            pub struct $cname {
                inner: $inner,
            }
            #[wasm_bindgen]
            impl $cname {
                $(#[$($nm)*])*
                #[wasm_bindgen(constructor)]
                pub fn new($( $na: $nt ),*) -> R<$cname> {
                    Ok($cname { inner: (|| -> Core<_> { $nbody })().map_err(err)? })
                }
                $(
                    $(#[$($mm)*])*
                    pub fn $mname(&mut $this, $( $ma: $mt ),*) -> R<$mr> {
                        (|| -> Core<_> { $mbody })().map(Into::into).map_err(err)
                    }
                )*
            }
        )*
    };
}

benignfit_core::binding_surface!(export);
