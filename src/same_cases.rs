//! A WASI bindings' enum value as the core's enum case of the same name. The
//! 0.2 and 0.3 bindings are distinct types with the same cases, so each
//! translation is listed once, here in the core, and serves both glues.

/// `$value` (a case of `$from`, the bindings' enum in scope) as the `$to` case
/// of the same name; a case not listed becomes `$to::$rest`.
#[macro_export]
macro_rules! same_cases {
    ($value:expr, $from:ident => $to:path { $($case:ident),+ } else $rest:ident) => {{
        type To = $to;
        match $value {
            $($from::$case => To::$case,)+
            _ => To::$rest,
        }
    }};
}
