//! tmp
use super::SinkError;
use super::payload::Delivery;
pub async fn send(_h: &crate::netguard::GuardedClient, _s: &crate::store::Store, _a: &str, _i: &url::Url, _t: &str, _d: &Delivery) -> Result<(), SinkError> { Err(SinkError::Payload("tmp".into())) }
