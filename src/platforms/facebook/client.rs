//! Graph API for a Page: Messenger Send API, the private reply to a comment, the public reply under it.
//!
//! The page token travels in the query string, so transport errors are described without their URL.
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::FacebookSettings;
use crate::platforms::error::{PlatformError, platform_words, send_failure, transport};

/// Messenger allows at most 13 quick replies.
const MAX_QUICK_REPLIES: usize = 13;

pub struct GraphClient<'a> {
    http: &'a reqwest::Client,
    settings: &'a FacebookSettings,
}

/// How a Messenger message is allowed to go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagingType {
    /// Within 24 h of the citizen's last message.
    Response,
    /// Up to 7 days, with the HUMAN_AGENT tag (only when Meta approved the app for it).
    HumanAgent,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Recipient<'a> {
    Id(&'a str),
    CommentId(&'a str),
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    quick_replies: Vec<QuickReply<'a>>,
}

#[derive(Serialize)]
struct QuickReply<'a> {
    content_type: &'static str,
    title: &'a str,
    payload: &'a str,
}

#[derive(Serialize)]
struct SendRequest<'a> {
    recipient: Recipient<'a>,
    messaging_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'static str>,
    message: Message<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<String>,
}

#[derive(Serialize)]
struct PrivateReplyRequest<'a> {
    recipient: Recipient<'a>,
    message: Message<'a>,
}

#[derive(Deserialize)]
struct SendAnswer {
    message_id: Option<String>,
    /// `/{comment-id}/comments` answers with the new comment's id.
    id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
}

impl<'a> GraphClient<'a> {
    pub fn new(http: &'a reqwest::Client, settings: &'a FacebookSettings) -> GraphClient<'a> {
        GraphClient { http, settings }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}",
            self.settings.graph_base.trim_end_matches('/'),
            self.settings.graph_version.trim_matches('/'),
            path
        )
    }

    /// Send API to a PSID; `metadata` (our outbox id) comes back in the echo. Returns the `message_id`.
    pub async fn send_message(
        &self,
        page_token: &str,
        psid: &str,
        text: &str,
        quick_replies: &[(String, String)],
        messaging_type: MessagingType,
        metadata: String,
    ) -> Result<String, PlatformError> {
        let (messaging_type, tag) = match messaging_type {
            MessagingType::Response => ("RESPONSE", None),
            MessagingType::HumanAgent => ("MESSAGE_TAG", Some("HUMAN_AGENT")),
        };
        let body = SendRequest {
            recipient: Recipient::Id(psid),
            messaging_type,
            tag,
            message: Message {
                text,
                quick_replies: quick_replies
                    .iter()
                    .take(MAX_QUICK_REPLIES)
                    .map(|(title, payload)| QuickReply {
                        content_type: "text",
                        title,
                        payload,
                    })
                    .collect(),
            },
            metadata: Some(metadata),
        };
        self.post(&self.url("me/messages"), page_token, &body).await
    }

    /// The once-only private reply to a Page comment, sent as the Page. Returns the `message_id`.
    pub async fn private_reply(
        &self,
        page_token: &str,
        page_id: &str,
        comment_id: &str,
        text: &str,
    ) -> Result<String, PlatformError> {
        let body = PrivateReplyRequest {
            recipient: Recipient::CommentId(comment_id),
            message: Message {
                text,
                quick_replies: Vec::new(),
            },
        };
        self.post(&self.url(&format!("{page_id}/messages")), page_token, &body)
            .await
    }

    /// A public reply under a comment. Returns the new comment's id.
    pub async fn public_reply(
        &self,
        page_token: &str,
        comment_id: &str,
        text: &str,
    ) -> Result<String, PlatformError> {
        let body = json!({ "message": text });
        self.post(
            &self.url(&format!("{comment_id}/comments")),
            page_token,
            &body,
        )
        .await
    }

    async fn post(
        &self,
        url: &str,
        page_token: &str,
        body: &impl Serialize,
    ) -> Result<String, PlatformError> {
        let response = self
            .http
            .post(url)
            .query(&[("access_token", page_token)])
            .json(body)
            .send()
            .await
            .map_err(|e| send_failure("Facebook", e))?;
        let status = response.status();
        let text = match response.text().await {
            Ok(text) => text,
            // A success whose body broke off: the message may be out.
            Err(err) if status.is_success() => return Err(send_failure("Facebook", err)),
            Err(err) => return Err(transport("Facebook", err)),
        };
        if status.is_success() {
            return match serde_json::from_str::<SendAnswer>(&text) {
                Ok(answer) => Ok(answer.message_id.or(answer.id).unwrap_or_default()),
                // Accepted, whatever the body says: sending it again would be a duplicate.
                Err(_) => Ok(String::new()),
            };
        }
        Err(classify(status, &text))
    }
}

/// What a Graph error answer means for this message.
pub fn classify(status: reqwest::StatusCode, body: &str) -> PlatformError {
    use PlatformError::{Permanent, TokenRejected, Transient};
    let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(body) else {
        return if status.is_server_error() || status.as_u16() == 429 {
            Transient(format!("Facebook answered HTTP {status}"))
        } else {
            Permanent(format!(
                "Facebook answered HTTP {status} without an error body"
            ))
        };
    };
    let code = error.code.unwrap_or_default();
    let label = match error.error_subcode {
        Some(sub) => format!("Facebook {code}/{sub}"),
        None => format!("Facebook {code}"),
    };
    let reason = |what: &str| format!("{label}: {what}");
    match (code, error.error_subcode) {
        (190, _) => TokenRejected(reason(
            "the Page's access token has expired or was revoked; replace the page token",
        )),
        (10, Some(2018278)) => Permanent(reason(
            "outside the 24-hour messaging window; the citizen must write first",
        )),
        (551, _) => Permanent(reason(
            "the citizen is not available on Messenger right now (blocked the Page or left)",
        )),
        (10900, _) => Permanent(reason("this comment already has a private reply")),
        (10903, _) => Permanent(reason("this comment can no longer be replied to")),
        (4, _) => Transient(reason("the app's request limit was reached")),
        (613, _) => Transient(reason("call rate limit reached")),
        (1 | 2 | 17 | 32, _) => Transient(reason(&platform_words(&error.message))),
        _ if error.is_transient || status.is_server_error() || status.as_u16() == 429 => {
            Transient(reason(&platform_words(&error.message)))
        }
        _ => Permanent(reason(&platform_words(&error.message))),
    }
}
