//! Exceptions of the common Python HTTP clients, by qualified class name
//! (`cls.__module__ + "." + cls.__qualname__`), so Python retries their
//! connection failures and timeouts by default without importing them
//! (`spec/classify.md`, "Python exception table").

use super::RetryableKind;

/// Python HTTP-client exception classes (qualified names) mapped to the
/// kind they mean. The binding walks the MRO and takes the first listed
/// class, checking these qualified names before the builtin names of
/// [`super::PYTHON_EXCEPTION_KINDS`].
pub const PYTHON_LIBRARY_EXCEPTION_KINDS: [(&str, RetryableKind); 14] = [
    // requests (every connection failure is requests.exceptions.ConnectionError)
    (
        "requests.exceptions.ConnectionError",
        RetryableKind::NetworkError,
    ),
    ("requests.exceptions.Timeout", RetryableKind::TimedOut),
    (
        "requests.exceptions.ChunkedEncodingError",
        RetryableKind::ConnectionReset,
    ),
    // urllib3
    (
        "urllib3.exceptions.NewConnectionError",
        RetryableKind::ConnectionRefused,
    ),
    (
        "urllib3.exceptions.ProtocolError",
        RetryableKind::ConnectionReset,
    ),
    ("urllib3.exceptions.TimeoutError", RetryableKind::TimedOut),
    // httpx (its classes are re-exported with __module__ = "httpx")
    ("httpx.TimeoutException", RetryableKind::TimedOut),
    ("httpx.NetworkError", RetryableKind::NetworkError),
    ("httpx.RemoteProtocolError", RetryableKind::ConnectionReset),
    // aiohttp
    (
        "aiohttp.client_exceptions.ServerDisconnectedError",
        RetryableKind::ConnectionReset,
    ),
    (
        "aiohttp.client_exceptions.ServerTimeoutError",
        RetryableKind::TimedOut,
    ),
    (
        "aiohttp.client_exceptions.ClientConnectorError",
        RetryableKind::ConnectionRefused,
    ),
    (
        "aiohttp.client_exceptions.ClientOSError",
        RetryableKind::NetworkError,
    ),
    (
        "aiohttp.client_exceptions.ClientConnectionError",
        RetryableKind::NetworkError,
    ),
];

/// The kind a qualified Python HTTP-client exception class name means.
///
/// ```
/// use seawall::classify::{kind_for_python_library_exception, RetryableKind};
/// assert_eq!(
///     kind_for_python_library_exception("requests.exceptions.ConnectionError"),
///     Some(RetryableKind::NetworkError)
/// );
/// assert_eq!(kind_for_python_library_exception("requests.exceptions.HTTPError"), None);
/// ```
pub fn kind_for_python_library_exception(name: &str) -> Option<RetryableKind> {
    PYTHON_LIBRARY_EXCEPTION_KINDS
        .iter()
        .find(|(c, _)| *c == name)
        .map(|(_, k)| *k)
}
