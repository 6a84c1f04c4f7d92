//! SMTP through lettre: `smtps://` is implicit TLS, `smtp://` is STARTTLS, and
//! `smtp://…?tls=none` is plain text (only sensible on localhost). Credentials come from the
//! URL's user and password.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use super::SinkError;
use super::payload::Delivery;

fn transport(smtp_url: &Url) -> Result<AsyncSmtpTransport<Tokio1Executor>, SinkError> {
    let host = smtp_url
        .host_str()
        .ok_or_else(|| SinkError::Email("smtp_url has no host".into()))?;
    let plain = smtp_url
        .query_pairs()
        .any(|(k, v)| k == "tls" && v == "none");
    let e = |e: lettre::transport::smtp::Error| SinkError::Email(e.to_string());
    let mut builder = if plain {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(smtp_url.port().unwrap_or(25))
    } else if smtp_url.scheme() == "smtps" {
        AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(e)?
            .port(smtp_url.port().unwrap_or(465))
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(e)?
            .port(smtp_url.port().unwrap_or(587))
    };
    if !smtp_url.username().is_empty() {
        let user = percent_decode(smtp_url.username());
        let pass = percent_decode(smtp_url.password().unwrap_or(""));
        builder = builder.credentials(Credentials::new(user, pass));
    }
    Ok(builder
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build())
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

pub async fn send(
    to: &[String],
    from: &str,
    smtp_url: &Url,
    delivery: &Delivery,
) -> Result<(), SinkError> {
    let parse = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|e| SinkError::Email(format!("address `{a}`: {e}")))
    };
    let mut builder = Message::builder()
        .from(parse(from)?)
        .subject(delivery.subject())
        .header(ContentType::TEXT_PLAIN);
    for t in to {
        builder = builder.to(parse(t)?);
    }
    let message = builder
        .body(delivery.text())
        .map_err(|e| SinkError::Email(e.to_string()))?;
    transport(smtp_url)?
        .send(message)
        .await
        .map_err(|e| SinkError::Email(e.to_string()))?;
    Ok(())
}
