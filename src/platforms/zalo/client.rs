//! Zalo OA API: customer-service messages and the OA token refresh.
//!
//! Zalo answers HTTP 200 with a non-zero `error` when something is wrong; the code says whether to retry, to
//! refresh the token, or to give up.
use serde::Deserialize;
use serde_json::json;

use crate::config::ZaloSettings;
use crate::platforms::error::{PlatformError, platform_words, send_failure, transport};

/// A rotated token pair from `/v4/oa/access_token`. Both halves are secrets: never logged.
pub struct TokenPair {
    pub access_token: String,
    /// Single use: the old one is dead once this is issued.
    pub refresh_token: String,
    pub expires_in_secs: Option<i64>,
}

pub struct ZaloClient<'a> {
    http: &'a reqwest::Client,
    settings: &'a ZaloSettings,
}

#[derive(Deserialize)]
struct CsAnswer {
    error: Option<i64>,
    #[serde(default)]
    message: String,
    data: Option<CsData>,
}

#[derive(Deserialize)]
struct CsData {
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    error: Option<i64>,
}

impl<'a> ZaloClient<'a> {
    pub fn new(http: &'a reqwest::Client, settings: &'a ZaloSettings) -> ZaloClient<'a> {
        ZaloClient { http, settings }
    }

    /// Sends a customer-service text; returns Zalo's message id (empty if Zalo gave none).
    pub async fn send_text(
        &self,
        access_token: &str,
        user_id: &str,
        text: &str,
    ) -> Result<String, PlatformError> {
        let url = format!(
            "{}/v3.0/oa/message/cs",
            self.settings.api_base.trim_end_matches('/')
        );
        let response = self
            .http
            .post(url)
            .header("access_token", access_token)
            .json(&json!({"recipient": {"user_id": user_id}, "message": {"text": text}}))
            .send()
            .await
            .map_err(|e| send_failure("Zalo", e))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(PlatformError::Transient(format!(
                "Zalo answered HTTP {status}"
            )));
        }
        // Zalo answers 200 with an error code in the body; a 200 we cannot read may still be a delivery.
        let unknown = |what: &str| {
            PlatformError::Unknown(format!(
                "Zalo {what} (HTTP {status}); it may have delivered the message, so it is not sent again"
            ))
        };
        let body = response
            .text()
            .await
            .map_err(|_| unknown("broke off its answer"))?;
        let answer: CsAnswer =
            serde_json::from_str(&body).map_err(|_| unknown("gave an unreadable answer"))?;
        match answer.error {
            Some(0) => Ok(answer.data.and_then(|d| d.message_id).unwrap_or_default()),
            Some(code) => Err(classify(code, &answer.message)),
            None => Err(unknown("gave an answer without an error code")),
        }
    }

    /// Exchanges the (single-use) refresh token for a new pair.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, PlatformError> {
        let url = format!(
            "{}/v4/oa/access_token",
            self.settings.oauth_base.trim_end_matches('/')
        );
        let response = self
            .http
            .post(url)
            .header("secret_key", &self.settings.app_secret)
            .form(&[
                ("refresh_token", refresh_token),
                ("app_id", self.settings.app_id.as_str()),
                ("grant_type", "refresh_token"),
            ])
            .send()
            .await
            .map_err(|e| transport("Zalo's token service", e))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(PlatformError::Transient(format!(
                "Zalo's token service answered HTTP {status}"
            )));
        }
        let answer: Option<TokenAnswer> = response.json().await.ok();
        match answer {
            Some(TokenAnswer {
                access_token: Some(access_token),
                refresh_token: Some(refresh_token),
                expires_in,
                ..
            }) if !access_token.is_empty() && !refresh_token.is_empty() => Ok(TokenPair {
                access_token,
                refresh_token,
                // Zalo sends it as a string ("90000"); accept a number too.
                expires_in_secs: expires_in.and_then(|v| match v {
                    serde_json::Value::String(s) => s.parse().ok(),
                    other => other.as_i64(),
                }),
            }),
            Some(TokenAnswer { error, .. }) => Err(PlatformError::TokenRejected(format!(
                "Zalo refused to refresh the OA's access token (error {}, HTTP {status}): reconnect the OA",
                error.map_or_else(|| "none".to_owned(), |e| e.to_string())
            ))),
            None => Err(PlatformError::Transient(format!(
                "Zalo's token service gave an unreadable answer (HTTP {status})"
            ))),
        }
    }
}

/// What a non-zero Zalo `error` means for this message.
pub fn classify(code: i64, message: &str) -> PlatformError {
    use PlatformError::{Permanent, TokenExpired, Transient};
    let reason = |what: &str| format!("Zalo {code}: {what}");
    match code {
        -32 => Transient(reason("rate limit exceeded")),
        -216 => TokenExpired(reason("the OA's access token is invalid")),
        -220 => TokenExpired(reason("the OA's access token has expired")),
        -213 => Permanent(reason("the citizen does not follow the OA")),
        -230 => Permanent(reason(
            "the citizen has not interacted with the OA in 7 days",
        )),
        -232 => Permanent(reason(
            "the citizen's last interaction with the OA has expired",
        )),
        -201 => Permanent(reason("Zalo rejected a parameter of the message")),
        -211 => Permanent(reason("the OA is out of its message quota")),
        -227 => Permanent(reason("the citizen's Zalo account is banned or inactive")),
        -244 => Permanent(reason(
            "the citizen has turned off this type of message from the OA",
        )),
        // Unknown codes: stop rather than loop; the platform's words tell the officer what happened.
        _ => Permanent(reason(&platform_words(message))),
    }
}
