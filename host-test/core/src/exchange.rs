//! One request's answer as the caller sees it: the head the guest set, its
//! body, and the report that arrives when the instance is gone.

use http::{HeaderMap, StatusCode};

use crate::report::ReportHandle;
use crate::response_body::ResponseBody;

#[derive(Debug)]
pub struct Exchange {
    /// The guest's status, or 500 when it set an error or no response at all
    /// (then the report says why).
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// Consume it at your own pace; dropping it early closes the stream.
    pub body: ResponseBody,
    pub report: ReportHandle,
}
