//! Who asks and whether they may: the caller under the access policy, the policy's decision on
//! a trade record, and the gate on actions when no policy decides.

use super::{error, internal, ApiState};
use crate::access::{authenticate, Action, AuthError, Caller, Decision, Object};
use crate::channel::ChannelRecord;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use sp_core::hashing::blake2_256;

/// Who may act (open a demo trade, close, checkpoint) when no access policy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Whoever reaches the address (the demo node; the library's default).
    Open,
    /// Nobody: the API only reads (`cgrid serve --store` without `--token-file`).
    ReadOnly,
    /// The holder of the operator's token, whose BLAKE2b-256 this is (`--token-file`).
    Token([u8; 32]),
}

impl Gate {
    /// What the dashboard shows of it.
    pub fn name(&self) -> &'static str {
        match self {
            Gate::Open => "open",
            Gate::ReadOnly => "read-only",
            Gate::Token(_) => "token",
        }
    }
}

/// A request as the access policy sees it: its method, path and headers.
pub(super) struct Asked {
    pub(super) method: Method,
    pub(super) uri: Uri,
    pub(super) headers: HeaderMap,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Asked {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
        })
    }
}

pub(super) fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Who asks, under the access policy; `Ok(None)`: no policy (whoever reaches the address may
/// do anything). A request the policy cannot place is refused `401`.
pub(super) fn caller(node: &ApiState, asked: &Asked) -> Result<Option<Caller>, Response> {
    let Some(access) = &node.access else {
        return Ok(None);
    };
    let header = asked
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let path = asked
        .uri
        .path_and_query()
        .map_or(asked.uri.path(), |p| p.as_str());
    tokio::task::block_in_place(|| {
        authenticate(
            &access.policy,
            &*access.directory,
            header,
            asked.method.as_str(),
            path,
            wall_clock_ms(),
        )
    })
    .map(Some)
    .map_err(|e| match e {
        AuthError::Directory(_) => internal(e),
        e => error(StatusCode::UNAUTHORIZED, e.to_string()),
    })
}

/// A channel's path parameter and who asks about it: a bad id is a 400, an unknown caller a 401.
pub(super) fn channel_and_caller(
    node: &ApiState,
    id: &str,
    asked: &Asked,
) -> Result<(cgrid_shared::ChannelId, Option<Caller>), Response> {
    Ok((super::parse_id(id)?, caller(node, asked)?))
}

/// The policy's decision on `caller` doing `action` to `record` (the escrow answers who the
/// trade's parties are and whether a mask covers it).
pub(super) fn decision(
    access: &super::Access,
    caller: &Caller,
    action: Action,
    record: &ChannelRecord,
) -> Result<Decision, String> {
    let id = record.id();
    let facts = match caller {
        Caller::Operator => None,
        Caller::Did(_) => tokio::task::block_in_place(|| access.directory.trade(&id))?,
    };
    let object = Object {
        channel: id,
        template: cgrid_shared::TRADE_START_CPT,
        parties: facts.as_ref().map_or([[0; 32]; 2], |f| f.parties),
        phase: crate::views::local_phase(&record.phase)["phase"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        mask: facts.and_then(|f| f.mask),
    };
    let decision = access
        .policy
        .decide(caller, action, &object, wall_clock_ms());
    tracing::info!(target: "cgrid::api", caller = %caller.label(), action = action.as_str(), channel = %hex::encode(id), allowed = decision.allowed(), why = %decision.reason(), "access");
    Ok(decision)
}

/// `Ok` when `caller` may do `action` to `record` (or no policy is set), else `403` naming
/// the rule.
pub(super) fn permit(
    node: &ApiState,
    caller: Option<&Caller>,
    action: Action,
    record: &ChannelRecord,
) -> Result<(), Response> {
    let (Some(access), Some(caller)) = (&node.access, caller) else {
        return Ok(());
    };
    let d = decision(access, caller, action, record).map_err(internal)?;
    if d.allowed() {
        return Ok(());
    }
    Err(error(
        StatusCode::FORBIDDEN,
        format!(
            "{} may not {} channel 0x{}: {}",
            caller.label(),
            action.as_str(),
            hex::encode(record.id()),
            d.reason()
        ),
    ))
}

/// `Ok` when the caller may act on `record` (`None`: an action on no record, e.g. opening a
/// demo trade): the policy decides when there is one, else the gate.
pub(super) fn may_act(
    node: &ApiState,
    asked: &Asked,
    caller: Option<&Caller>,
    record: Option<&ChannelRecord>,
) -> Result<(), Response> {
    if node.access.is_some() {
        return match (caller, record) {
            (Some(Caller::Operator), _) | (None, _) => Ok(()),
            (Some(c), Some(r)) => permit(node, Some(c), Action::Close, r),
            (Some(c), None) => Err(error(
                StatusCode::FORBIDDEN,
                format!(
                    "{} may not do this: only the operator's token does",
                    c.label()
                ),
            )),
        };
    }
    match node.gate {
        Gate::Open => Ok(()),
        Gate::ReadOnly => Err(error(
            StatusCode::FORBIDDEN,
            "this API is read-only: actions need the operator's token (start it with --token-file)",
        )),
        Gate::Token(hash) => {
            let token = asked
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    error(
                        StatusCode::UNAUTHORIZED,
                        "this action needs the operator's API token (Authorization: Bearer <token>)",
                    )
                })?;
            if blake2_256(token.trim().as_bytes()) == hash {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "the token is not the operator's",
                ))
            }
        }
    }
}
