//! N-API binding of benignfit-core. The surface (names, arguments, docs, bodies) is declared once in
//! the core (`benignfit_core::binding_surface!`, crates/core/src/api/surface.rs); `export!` below
//! only adds napi-rs's attributes, its typed arrays and the error mapping. Errors reach JavaScript
//! as `Error`s with `code`, `field`, `got` and `expected` properties; panics are caught by
//! [`guard`] (code E_PANIC), never a crash.
#![allow(non_snake_case, clippy::too_many_arguments, clippy::unused_unit)]

use benignfit_core::api::CoreError;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

type Core<T> = benignfit_core::Result<T>;

/// Run core code; its errors and any panic become a JS `Error` with the core's parts as properties.
fn guard<T>(env: &Env, f: impl FnOnce() -> Core<T>) -> napi::Result<T> {
    let e = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => return r.map_err(|e| js_error(env, &e, e.code())),
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "unknown panic".into());
            CoreError::Internal { detail: format!("a panic in the core: {msg}") }
        }
    };
    Err(js_error(env, &e, "E_PANIC"))
}

fn js_error(env: &Env, e: &CoreError, code: &str) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut o = env.create_error(napi::Error::from_reason(e.to_string()))?;
        o.set_named_property("code", code)?;
        for (k, v) in [("field", e.field()), ("got", e.got()), ("expected", e.expected())] {
            if let Some(v) = v {
                o.set_named_property(k, v)?;
            }
        }
        Ok(napi::Error::from(o.into_unknown(env)?))
    };
    build().unwrap_or_else(|x| x)
}

// Object fields are matched as `X` or `Option<X>` tokens, not as `ty` fragments: napi-rs decides
// whether a field may be absent by reading `Option` in the tokens, which a `ty` fragment hides.
macro_rules! export {
    (
        objects_in { $( $(#[$($im:tt)*])* $iname:ident { $( $(#[$($ifm:tt)*])* $if:ident : $it:ident $(<$ia:ident>)? ),* $(,)? } view(&$vself:ident) -> $vt:ty $vbody:block )* }
        objects_out { $( $(#[$($om:tt)*])* $oname:ident { $( $(#[$($ofm:tt)*])* $of:ident : $ot:ident $(<$oa:ident>)? ),* $(,)? } )* }
        functions { $( $(#[$($fm:tt)*])* fn $fname:ident ( $( $fa:ident : $ft:ty ),* ) -> $fr:ty $fbody:block )* }
        classes { $( $(#[$($cm:tt)*])* $cname:ident ( $inner:ty ) {
            $(#[$($nm:tt)*])* new ( $( $na:ident : $nt:ty ),* ) $nbody:block
            $( $(#[$($mm:tt)*])* fn $mname:ident ( &mut $this:ident $(, $ma:ident : $mt:ty )* ) -> $mr:ty $mbody:block )*
        } native { $( $(#[$($xm:tt)*])* fn $xname:ident ( &mut $xthis:ident $(, $xa:ident : $xt:ty )* ) -> $xr:ty $xbody:block )* } )* }
    ) => {
        $(
            $(#[$($im)*])*
            #[napi(object)]
            pub struct $iname { $( $(#[$($ifm)*])* pub $if: $it $(<$ia>)?, )* }
            impl $iname {
                fn read(&self) -> Core<&Self> {
                    Ok(self)
                }
                fn view(&$vself) -> $vt $vbody
            }
        )*
        $(
            $(#[$($om)*])*
            #[napi(object)]
            pub struct $oname { $( $(#[$($ofm)*])* pub $of: $ot $(<$oa>)?, )* }
        )*
        $(
            $(#[$($fm)*])*
            #[napi]
            pub fn $fname(env: Env, $( $fa: $ft ),*) -> napi::Result<$fr> {
                guard(&env, || $fbody).map(Into::into)
            }
        )*
        $(
            $(#[$($cm)*])*
            #[napi]
            pub struct $cname {
                inner: $inner,
            }
            #[napi]
            impl $cname {
                $(#[$($nm)*])*
                #[napi(constructor)]
                pub fn new(env: Env, $( $na: $nt ),*) -> napi::Result<Self> {
                    Ok($cname { inner: guard(&env, || $nbody)? })
                }
                $(
                    $(#[$($mm)*])*
                    #[napi]
                    pub fn $mname(&mut $this, env: Env, $( $ma: $mt ),*) -> napi::Result<$mr> {
                        guard(&env, || $mbody).map(Into::into)
                    }
                )*
                $(
                    $(#[$($xm)*])*
                    #[napi]
                    pub fn $xname(&mut $xthis, env: Env, $( $xa: $xt ),*) -> napi::Result<$xr> {
                        guard(&env, || $xbody).map(Into::into)
                    }
                )*
            }
        )*
    };
}

benignfit_core::binding_surface!(export);
