//! The preopen that is the served root, found once per instance, for either
//! WASI version's descriptor type.
//!
//! A host that reuses an instance (for many requests, some at once) would
//! otherwise create and drop a handle for every preopen per request. The
//! handle lives as long as the instance, so it is leaked on purpose: one,
//! whatever the request count.

use std::any::Any;
use std::cell::OnceCell;

use crate::settings::Settings;

thread_local! {
    /// A component has one glue, so one descriptor type: the cell holds it as
    /// `Any` only because a `static` cannot be generic.
    static ROOT: OnceCell<Option<&'static dyn Any>> = const { OnceCell::new() };
}

/// The preopen whose guest path is the `ROOT` setting, from `preopens`
/// (called on the instance's first request only).
pub fn root_preopen<D: Any>(
    settings: &Settings,
    preopens: impl FnOnce() -> Vec<(D, String)>,
) -> Option<&'static D> {
    ROOT.with(|root| {
        let found = root.get_or_init(|| {
            preopens()
                .into_iter()
                .find(|(_, path)| settings.is_root(path))
                .map(|(descriptor, _)| &*Box::leak(Box::new(descriptor)) as &'static dyn Any)
        });
        found.and_then(|descriptor| descriptor.downcast_ref())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_root_once_per_instance() {
        let settings = Settings::default();
        let first = root_preopen(&settings, || {
            vec![
                (1u8, "/other".to_string()),
                (2u8, format!("{}/", settings.root)),
            ]
        });
        assert_eq!(first, Some(&2));
        // Later requests keep the first answer without asking again.
        let again = root_preopen(&settings, || -> Vec<(u8, String)> {
            panic!("preopens asked for twice")
        });
        assert_eq!(again, Some(&2));
    }
}
