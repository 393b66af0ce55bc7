//! Decoding of message data into the `T` of `EventSource<T>`: text as it is, JSON with
//! serde, or the user's own decoder.

use crate::error::Error;
use crate::event::{Event, Message};

/// Turns a message's data into a `T`; a failure is an [`Error::Decode`] item and the stream goes on.
pub(crate) enum Decoder<T> {
    /// One of ours: [`text`], [`json`].
    Fn(fn(Message<String>) -> Decoded<T>),
    /// The user's (`EventSource::decode_with`).
    Boxed(Box<dyn Fn(Message<String>) -> Decoded<T>>),
}

/// A message decoded, or why not.
pub(crate) type Decoded<T> = Result<Message<T>, Error>;

/// The decoder of untyped streams: the data stays as received.
pub(crate) fn text(message: Message<String>) -> Result<Message<String>, Error> {
    Ok(message)
}

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
        Err(err) => Err(Error::decode(message.event.into(), message.data, &err)),
    }
}

/// Decodes the data with a decoder of the user's (`EventSource::decode_with`).
pub(crate) fn with<T, E: std::fmt::Display>(
    decode: &impl Fn(&str) -> Result<T, E>,
    message: Message<String>,
) -> Result<Message<T>, Error> {
    match decode(&message.data) {
        Ok(data) => Ok(message.map(|_| data)),
        Err(err) => Err(Error::Decode {
            event: message.event.into(),
            data: message.data,
            reason: err.to_string(),
        }),
    }
}

/// Applies a decoder to one stream item: only messages are decoded.
pub(crate) fn apply<T>(
    decoder: &Decoder<T>,
    item: Result<Event, Error>,
) -> Result<Event<T>, Error> {
    match item? {
        Event::Open => Ok(Event::Open),
        Event::Message(message) => match decoder {
            Decoder::Fn(decode) => decode(message),
            Decoder::Boxed(decode) => decode(message),
        }
        .map(Event::Message),
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
        let decoder: Decoder<Hello> = Decoder::Fn(json::<Hello>);
        assert_eq!(apply(&decoder, Ok(Event::Open)), Ok(Event::Open));
        assert_eq!(
            apply(&decoder, Err(Error::Disconnected)),
            Err(Error::Disconnected)
        );
    }

    #[test]
    fn a_decoder_of_the_users_keeps_the_message_and_names_its_error() {
        let numbers = |data: &str| {
            data.split(',')
                .map(str::parse::<u8>)
                .collect::<Result<Vec<_>, _>>()
        };
        let decoded = with(&numbers, message("1,2,3")).unwrap();
        assert_eq!(decoded.data, [1, 2, 3]);
        assert_eq!(
            (decoded.event.as_str(), decoded.last_event_id.as_str()),
            ("greeting", "7")
        );
        let Err(Error::Decode {
            event,
            data,
            reason,
        }) = with(&numbers, message("1,x"))
        else {
            panic!("expected a decode error");
        };
        assert_eq!((event.as_str(), data.as_str()), ("greeting", "1,x"));
        assert_eq!(reason, "invalid digit found in string");
    }
}
