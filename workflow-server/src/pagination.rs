//! `maxResults` and `nextToken`: pages over a list that the caller computes in full (the
//! store is local, so lists are small enough to build per request).

use serde_json::Value;

use crate::protocol::{ApiError, Request};

/// The page size when `maxResults` is absent or 0.
pub const DEFAULT_PAGE: usize = 100;

/// One page of a query.
#[derive(Debug)]
pub struct Page {
    pub start: usize,
    pub size: usize,
    /// Identifies the query, so that a token resumes only the query it came from.
    fingerprint: u64,
}

impl Page {
    /// Reads `maxResults` and `nextToken` (at most `token_max` characters) for the query
    /// identified by `query`.
    pub fn read(request: &Request, token_max: usize, query: &str) -> Result<Page, ApiError> {
        let size = match request.int_opt("maxResults")? {
            None | Some(0) => DEFAULT_PAGE,
            Some(n) if n > 1000 => {
                return Err(ApiError::constraint(
                    "maxResults",
                    &n.to_string(),
                    "Member must have value less than or equal to 1000",
                ));
            }
            Some(n) if n < 0 => {
                return Err(ApiError::constraint(
                    "maxResults",
                    &n.to_string(),
                    "Member must have value greater than or equal to 0",
                ));
            }
            Some(n) => n as usize,
        };
        let fingerprint = fnv(query);
        let start = match request.str_len("nextToken", token_max)? {
            None => 0,
            Some(token) => decode(token, fingerprint).ok_or_else(|| {
                ApiError::new("InvalidToken", format!("Invalid Token: '{token}'"))
            })?,
        };
        Ok(Page {
            start,
            size,
            fingerprint,
        })
    }

    /// This page of `items`, and the token for the next one when more remain.
    pub fn slice(&self, items: Vec<Value>) -> (Vec<Value>, Option<String>) {
        let total = items.len();
        let end = self.start.saturating_add(self.size).min(total);
        let page: Vec<Value> = items
            .into_iter()
            .skip(self.start)
            .take(end.saturating_sub(self.start))
            .collect();
        let next = (end < total).then(|| format!("{end:x}-{:016x}", self.fingerprint));
        (page, next)
    }
}

fn decode(token: &str, fingerprint: u64) -> Option<usize> {
    let (offset, print) = token.split_once('-')?;
    (u64::from_str_radix(print, 16).ok()? == fingerprint)
        .then(|| usize::from_str_radix(offset, 16).ok())
        .flatten()
}

/// FNV-1a: a stable hash across restarts (std's hasher is randomly seeded).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;

    fn request(members: Value) -> Request {
        Request(members.as_object().cloned().unwrap_or_else(Map::new))
    }

    #[test]
    fn pages_resume_with_their_token() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let page = Page::read(&request(json!({"maxResults": 2})), 1024, "q").unwrap();
        let (first, token) = page.slice(items.clone());
        assert_eq!(first, vec![json!(0), json!(1)]);
        let token = token.unwrap();
        let page = Page::read(
            &request(json!({"maxResults": 10, "nextToken": token})),
            1024,
            "q",
        )
        .unwrap();
        let (rest, token) = page.slice(items);
        assert_eq!(rest, vec![json!(2), json!(3), json!(4)]);
        assert_eq!(token, None);
        let error = Page::read(&request(json!({"nextToken": "2-0"})), 1024, "other").unwrap_err();
        assert_eq!(error.code, "InvalidToken");
    }
}
