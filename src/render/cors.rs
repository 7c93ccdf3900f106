//! Cross-origin requests (the Fetch standard's CORS protocol), when
//! `CORS_ALLOW_ORIGINS` names the origins that may read the site: a preflight
//! (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered
//! here, before any file lookup and from the settings alone; every other
//! response gets `Access-Control-Allow-Origin` for an allowed origin before
//! the site's `_headers` rules apply, so that a rule can replace or remove it.

use std::borrow::Cow;

use crate::request::headers::RequestHeaders;
use crate::request::method::{Method, ALLOW};
use crate::settings::{Cors, CorsOrigins};

/// Response headers as a reply holds them.
type Headers = Vec<(Cow<'static, str>, String)>;

/// How a preflight is answered, with the headers that go with the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Preflight {
    /// 204: the origin may send the request.
    Allowed(Headers),
    /// 403: it may not.
    Refused(Headers),
}

/// The answer to a preflight, or `None` when the request is not one (or
/// CORS is off).
pub(crate) fn preflight(
    method: Method,
    headers: &RequestHeaders,
    cors: Option<&Cors>,
) -> Option<Preflight> {
    let cors = cors?;
    let origin = headers.origin.as_deref()?;
    if method != Method::Options || headers.cors_request_method.is_none() {
        return None;
    }
    let mut answer = match allowed_origin(cors, origin) {
        Some(allowed) => {
            let mut headers = vec![
                (Cow::Borrowed("access-control-allow-origin"), allowed),
                (
                    Cow::Borrowed("access-control-allow-methods"),
                    ALLOW.to_string(),
                ),
            ];
            if let Some(allow_headers) = &cors.allow_headers {
                headers.push((
                    Cow::Borrowed("access-control-allow-headers"),
                    allow_headers.clone(),
                ));
            }
            if let Some(max_age) = cors.max_age {
                headers.push((Cow::Borrowed("access-control-max-age"), max_age.to_string()));
            }
            Preflight::Allowed(headers)
        }
        None => Preflight::Refused(Vec::new()),
    };
    let (Preflight::Allowed(headers) | Preflight::Refused(headers)) = &mut answer;
    add_vary_origin(headers, cors);
    Some(answer)
}

/// Adds `Access-Control-Allow-Origin` to `headers` for an allowed `origin`,
/// and `Vary: Origin` wherever the answer depends on the origin; `render`
/// calls it before the `_headers` rules apply.
pub(crate) fn add_cors_headers(headers: &mut Headers, origin: Option<&str>, cors: Option<&Cors>) {
    let Some(cors) = cors else { return };
    if let Some(allowed) = origin.and_then(|o| allowed_origin(cors, o)) {
        headers.push((Cow::Borrowed("access-control-allow-origin"), allowed));
    }
    add_vary_origin(headers, cors);
}

/// The `Access-Control-Allow-Origin` value for `origin`: `*` when any origin
/// may read, else the origin itself when listed (ASCII case ignored in the
/// scheme and host, as origins compare).
fn allowed_origin(cors: &Cors, origin: &str) -> Option<String> {
    match &cors.origins {
        CorsOrigins::Any => Some("*".to_string()),
        CorsOrigins::List(list) => list
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
            .then(|| origin.to_string()),
    }
}

/// With a list of origins the answer depends on `Origin`: caches must keep
/// the answers apart.
fn add_vary_origin(headers: &mut Headers, cors: &Cors) {
    if cors.origins == CorsOrigins::Any {
        return;
    }
    match headers
        .iter_mut()
        .find(|(name, _)| name.eq_ignore_ascii_case("vary"))
    {
        Some((_, value)) => value.push_str(", origin"),
        None => headers.push((Cow::Borrowed("vary"), "origin".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::headers::{apply, HeaderOp};

    fn cors(origins: CorsOrigins) -> Cors {
        Cors {
            origins,
            allow_headers: Some("content-type".into()),
            max_age: Some(600),
        }
    }

    fn request(origin: Option<&str>, method: Option<&str>) -> RequestHeaders {
        RequestHeaders {
            origin: origin.map(str::to_string),
            cors_request_method: method.map(str::to_string),
            ..RequestHeaders::default()
        }
    }

    fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn preflights() {
        let listed = cors(CorsOrigins::List(vec!["https://a.example".into()]));
        let any = cors(CorsOrigins::Any);
        let answer = |origin: &str, cors: &Cors| {
            preflight(
                Method::Options,
                &request(Some(origin), Some("GET")),
                Some(cors),
            )
            .expect("a preflight")
        };
        let allowed = |answer: Preflight| match answer {
            Preflight::Allowed(headers) => headers,
            Preflight::Refused(_) => panic!("refused"),
        };
        let ok = allowed(answer("https://a.example", &listed));
        let expected = [
            ("access-control-allow-origin", "https://a.example"),
            ("access-control-allow-methods", ALLOW),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "600"),
            ("vary", "origin"),
        ];
        for (name, value) in expected {
            assert_eq!(header(&ok, name), Some(value), "{name}");
        }
        let refused = answer("https://evil.example", &listed);
        let vary = vec![(Cow::Borrowed("vary"), "origin".to_string())];
        assert_eq!(refused, Preflight::Refused(vary));
        let allow = |h: &Headers| header(h, "access-control-allow-origin").map(str::to_string);
        let ok = allowed(answer("https://b.example", &any));
        assert_eq!((allow(&ok), header(&ok, "vary")), (Some("*".into()), None));
        // Not a preflight: no Origin, no request method, another method, CORS off.
        let a = Some("https://a.example");
        let cases = [
            (Method::Options, request(None, Some("GET")), Some(&listed)),
            (Method::Options, request(a, None), Some(&listed)),
            (Method::Get, request(a, Some("GET")), Some(&listed)),
            (Method::Options, request(a, Some("GET")), None),
        ];
        for (method, headers, cors) in cases {
            assert!(preflight(method, &headers, cors).is_none(), "{headers:?}");
        }
    }

    #[test]
    fn simple_requests() {
        let listed = cors(CorsOrigins::List(vec!["https://a.example".into()]));
        // A 200 with `extra` headers, after add_cors_headers for `origin`
        // and then the `_headers` operations `rules`, as `render` does; the
        // allow header and Vary it ends with.
        let answered = |extra: &[(&'static str, &str)],
                        origin: &str,
                        cors: Option<&Cors>,
                        rules: &[HeaderOp]| {
            let mut r: Headers = extra
                .iter()
                .map(|(name, value)| (Cow::Borrowed(*name), value.to_string()))
                .collect();
            add_cors_headers(&mut r, Some(origin), cors);
            apply(&mut r, rules);
            let allow: Vec<String> = r
                .iter()
                .filter(|(n, _)| n == "access-control-allow-origin")
                .map(|(_, v)| v.clone())
                .collect();
            (allow, header(&r, "vary").map(str::to_string))
        };
        let vary = |v: &str| Some(v.to_string());
        let a = "https://a.example";
        assert_eq!(
            answered(&[], "https://A.example", Some(&listed), &[]),
            (vec!["https://A.example".to_string()], vary("origin"))
        );
        assert_eq!(
            answered(&[], "https://evil.example", Some(&listed), &[]),
            (vec![], vary("origin"))
        );
        // Vary joins what is there.
        assert_eq!(
            answered(&[("vary", "accept-encoding")], a, Some(&listed), &[]),
            (vec![a.to_string()], vary("accept-encoding, origin"))
        );
        // A rule replaces the allow header, or removes it.
        let name = "access-control-allow-origin".to_string();
        let set = [HeaderOp::Add {
            name: name.clone(),
            value: "https://rule.example".into(),
        }];
        assert_eq!(
            answered(&[], a, Some(&listed), &set).0,
            ["https://rule.example"]
        );
        let removed = answered(&[], a, Some(&listed), &[HeaderOp::Remove(name)]).0;
        assert!(removed.is_empty());
        // Off: nothing.
        assert_eq!(answered(&[], a, None, &[]), (vec![], None));
    }
}
