//! [`Credentials`]: who gets cookies and HTTP authentication.

/// Who gets cookies and HTTP authentication: fetch's `credentials` mode, and what
/// `withCredentials` chooses between for the browser's `EventSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Never send them. Needs [`Transport::Fetch`](crate::Transport): the browser's
    /// `EventSource` always sends them to its own origin.
    Omit,
    /// Send them to the page's own origin only. The default, as for `EventSource`.
    #[default]
    SameOrigin,
    /// Send them cross-origin too (`withCredentials`). The server must answer with its exact
    /// origin and `Access-Control-Allow-Credentials: true`.
    Include,
}
