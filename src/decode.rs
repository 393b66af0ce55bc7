//! Typed decoding of message data with serde.

use crate::Error;
#[cfg(any(feature = "eventsource", feature = "fetch"))]
use crate::{Event, Message};

#[cfg(any(feature = "eventsource", feature = "fetch"))]
/// Turns a message's data into a `T`; a failure is an [`Error::Decode`] item and the stream goes on.
pub(crate) type Decoder<T> = fn(Message<String>) -> Result<Message<T>, Error>;

#[cfg(any(feature = "eventsource", feature = "fetch"))]
/// The decoder of untyped streams: the data stays as received.
pub(crate) fn text(message: Message<String>) -> Result<Message<String>, Error> {
    Ok(message)
}

#[cfg(any(feature = "eventsource", feature = "fetch"))]
/// The decoder that parses the data as JSON into `T`.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    message: Message<String>,
) -> Result<Message<T>, Error> {
    match serde_json::from_str(&message.data) {
        Ok(data) => Ok(Message {
            event: message.event,
            data,
            last_event_id: message.last_event_id,
            origin: message.origin,
        }),
        Err(err) => Err(decode_error(message.event.into(), message.data, &err)),
    }
}

/// Decodes JSON `data` of an `event` into `T`.
pub(crate) fn json_from_str<T: serde::de::DeserializeOwned>(
    event: &str,
    data: &str,
) -> Result<T, Error> {
    serde_json::from_str(data).map_err(|err| decode_error(event.to_owned(), data.to_owned(), &err))
}

fn decode_error(event: String, data: String, err: &serde_json::Error) -> Error {
    Error::Decode {
        event,
        data,
        reason: err.to_string(),
    }
}

#[cfg(any(feature = "eventsource", feature = "fetch"))]
/// Applies a decoder to one stream item: only messages are decoded.
pub(crate) fn apply<T>(decoder: Decoder<T>, item: Result<Event, Error>) -> Result<Event<T>, Error> {
    match item? {
        Event::Open => Ok(Event::Open),
        Event::Message(message) => decoder(message).map(Event::Message),
        Event::Comment(text) => Ok(Event::Comment(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Hello {
        message: String,
    }

    fn message(data: &str) -> Message<String> {
        Message {
            event: "greeting".into(),
            data: data.into(),
            last_event_id: "7".into(),
            origin: "http://127.0.0.1:1".into(),
        }
    }

    #[test]
    fn json_keeps_type_id_and_origin() {
        let decoded = json::<Hello>(message(r#"{"message":"Hello, world!"}"#)).unwrap();
        assert_eq!(
            decoded.data,
            Hello {
                message: "Hello, world!".into()
            }
        );
        assert_eq!(
            (decoded.event.as_str(), decoded.last_event_id.as_str()),
            ("greeting", "7")
        );
        assert_eq!(decoded.origin, "http://127.0.0.1:1");
    }

    #[test]
    fn json_failure_names_the_event_the_data_and_the_cause() {
        let Err(Error::Decode {
            event,
            data,
            reason,
        }) = json::<Hello>(message("{oops"))
        else {
            panic!("expected a decode error");
        };
        assert_eq!((event.as_str(), data.as_str()), ("greeting", "{oops"));
        assert!(reason.contains("key must be a string"), "{reason}");
    }

    #[test]
    fn apply_passes_open_and_errors_through() {
        assert_eq!(apply(json::<Hello>, Ok(Event::Open)), Ok(Event::Open));
        assert_eq!(
            apply(json::<Hello>, Err(Error::Disconnected)),
            Err(Error::Disconnected)
        );
    }
}
