//! Site rules: `_headers` and `_redirects` at the site root (Netlify's and
//! Cloudflare Pages' formats), read for every request line by line and never
//! kept: parsed rules would cost memory in every instance, so a request
//! reads the files again (bounded by `MAX_RULES_FILE`). Each glue reads the
//! bytes; everything else is here.

pub mod headers;
pub mod lines;
pub mod pattern;
pub mod redirects;
pub mod scan;
