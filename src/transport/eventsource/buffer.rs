//! The bounded queue between a push transport (the browser calling us) and the consumer.

use std::collections::VecDeque;
use std::task::Waker;

use crate::error::Error;
use crate::event::Event;

/// What happens when the consumer falls behind and the buffer is full.
///
/// The browser's `EventSource` pushes messages whether or not anybody reads them, so the
/// messages waiting for the consumer are held in a buffer of bounded capacity. Whatever the
/// policy, nothing is lost silently: dropped messages are reported as
/// [`Error::Lagged`] items, and [`Overflow::Fail`] ends the stream with [`Error::Overflow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Close the connection; the buffered items are still delivered, then
    /// [`Error::Overflow`], then the stream ends. The default: no message is ever skipped.
    #[default]
    Fail,
    /// Drop the oldest buffered message to make room; an [`Error::Lagged`] item
    /// is delivered in its place (one item for consecutive drops).
    DropOldest,
    /// Drop the incoming message; an [`Error::Lagged`] item is delivered where it
    /// would have been.
    DropNewest,
}

/// How many items the buffer holds by default.
///
/// Chromium dispatches every event of one network read in one task, before the consumer
/// can run; a 64 KiB read of minimal events holds a few thousand of them.
pub const DEFAULT_CAPACITY: usize = 16 * 1024;

/// A bounded FIFO of stream items with a waker, filled by callbacks and drained by `poll_next`.
#[derive(Debug)]
pub(crate) struct Buffer {
    /// The items before the oldest message, delivered first: control items and lag markers.
    /// [`Overflow::DropOldest`] moves them here as it reaches them, so that finding the
    /// oldest message and dropping it are O(1) amortised, however many control items wait.
    settled: VecDeque<Result<Event, Error>>,
    /// The items after `settled`, oldest first.
    items: VecDeque<Result<Event, Error>>,
    capacity: usize,
    overflow: Overflow,
    /// How many of `items` are messages: the capacity bounds these, not control items.
    messages: usize,
    /// The stream has ended: nothing more is accepted once the queue is drained.
    ended: bool,
    waker: Option<Waker>,
    /// Items visited or moved by `DropOldest`, to test that a push does bounded work.
    #[cfg(test)]
    visits: usize,
}

/// What the buffer asks of its transport after a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Accepted (possibly by dropping another message).
    Ok,
    /// It overflowed with [`Overflow::Fail`]: the transport must close its connection.
    Overflowed,
}

fn is_message(item: &Result<Event, Error>) -> bool {
    matches!(item, Ok(Event::Message(_)))
}

impl Buffer {
    /// An empty buffer; `capacity` is raised to at least 1.
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        Buffer {
            settled: VecDeque::new(),
            items: VecDeque::new(),
            capacity: capacity.max(1),
            overflow,
            messages: 0,
            ended: false,
            waker: None,
            #[cfg(test)]
            visits: 0,
        }
    }

    /// Queues an item and wakes the consumer. Ignored once the stream has ended.
    pub(crate) fn push(&mut self, item: Result<Event, Error>) -> Pushed {
        if self.ended {
            return Pushed::Ok;
        }
        let mut pushed = Pushed::Ok;
        let is_message = is_message(&item);
        if is_message && self.messages >= self.capacity {
            match self.overflow {
                Overflow::Fail => {
                    self.items.push_back(Err(Error::Overflow {
                        capacity: self.capacity,
                    }));
                    self.ended = true;
                    pushed = Pushed::Overflowed;
                }
                Overflow::DropOldest => {
                    self.drop_oldest_message();
                    self.messages += 1;
                    self.items.push_back(item);
                }
                Overflow::DropNewest => {
                    match self.items.back_mut().or_else(|| self.settled.back_mut()) {
                        Some(Err(Error::Lagged { skipped })) => *skipped += 1,
                        _ => self.items.push_back(Err(Error::Lagged { skipped: 1 })),
                    }
                }
            }
        } else {
            self.messages += usize::from(is_message);
            self.items.push_back(item);
        }
        self.wake();
        pushed
    }

    /// Replaces the oldest message with a lag marker, or counts it in the marker before it.
    ///
    /// The items before it move to `settled` (each item moves at most once), and the marker
    /// is the last of `settled`, where the next drop finds it.
    fn drop_oldest_message(&mut self) {
        while let Some(item) = self.items.pop_front() {
            #[cfg(test)]
            {
                self.visits += 1;
            }
            if is_message(&item) {
                self.messages -= 1;
                match self.settled.back_mut() {
                    Some(Err(Error::Lagged { skipped })) => *skipped += 1,
                    _ => self.settled.push_back(Err(Error::Lagged { skipped: 1 })),
                }
                return;
            }
            self.settled.push_back(item);
        }
    }

    /// Queues a last item and ends the stream after it (a fatal error).
    pub(crate) fn push_last(&mut self, item: Result<Event, Error>) {
        if !self.ended {
            self.items.push_back(item);
            self.ended = true;
        }
        self.wake();
    }

    /// The next item: `Some(item)`, `None` when the stream has ended, or `Pending` (waker kept).
    pub(crate) fn poll_next(
        &mut self,
        waker: &Waker,
    ) -> std::task::Poll<Option<Result<Event, Error>>> {
        use std::task::Poll;
        if let Some(item) = self.settled.pop_front() {
            return Poll::Ready(Some(item));
        }
        if let Some(item) = self.items.pop_front() {
            self.messages -= usize::from(is_message(&item));
            return Poll::Ready(Some(item));
        }
        if self.ended {
            return Poll::Ready(None);
        }
        match &mut self.waker {
            Some(kept) if kept.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        Poll::Pending
    }

    /// Whether the stream has ended and its last item has been delivered: the item just
    /// taken was the fatal one. Items before it (a lag marker, a disconnection) are not.
    pub(crate) fn is_ended(&self) -> bool {
        self.ended && self.settled.is_empty() && self.items.is_empty()
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::task::{Poll, Waker};

    use super::*;
    use crate::{Message, SmolStr};

    fn message(n: u32) -> Result<Event, Error> {
        Ok(Event::Message(Message {
            event: "message".into(),
            data: n.to_string(),
            last_event_id: SmolStr::default(),
            origin: SmolStr::default(),
        }))
    }

    fn drain(buffer: &mut Buffer) -> Vec<Result<Event, Error>> {
        let mut out = Vec::new();
        while let Poll::Ready(Some(item)) = buffer.poll_next(Waker::noop()) {
            out.push(item);
        }
        out
    }

    #[test]
    fn fail_delivers_what_was_buffered_then_the_overflow_error_then_ends() {
        let mut buffer = Buffer::new(2, Overflow::Fail);
        assert_eq!(buffer.push(message(1)), Pushed::Ok);
        assert_eq!(buffer.push(message(2)), Pushed::Ok);
        assert_eq!(buffer.push(message(3)), Pushed::Overflowed);
        assert_eq!(buffer.push(message(4)), Pushed::Ok, "ignored after the end");
        assert_eq!(
            drain(&mut buffer),
            vec![message(1), message(2), Err(Error::Overflow { capacity: 2 })]
        );
        assert_eq!(buffer.poll_next(Waker::noop()), Poll::Ready(None));
    }

    #[test]
    fn drop_oldest_reports_the_gap_where_the_messages_were() {
        let mut buffer = Buffer::new(2, Overflow::DropOldest);
        buffer.push(Ok(Event::Open));
        for n in 1..=5 {
            buffer.push(message(n));
        }
        assert_eq!(
            drain(&mut buffer),
            vec![
                Ok(Event::Open),
                Err(Error::Lagged { skipped: 3 }),
                message(4),
                message(5)
            ]
        );
    }

    #[test]
    fn drop_oldest_does_constant_work_per_push_amortised() {
        // Nobody reads; a reconnect (a control item) comes every 10 messages.
        const CAPACITY: usize = 10_000;
        let mut buffer = Buffer::new(CAPACITY, Overflow::DropOldest);
        let mut pushes = 0;
        for n in 0..(CAPACITY + 100_000) as u32 {
            buffer.push(message(n));
            pushes += 1;
            if n % 10 == 0 {
                buffer.push(Ok(Event::Open));
                pushes += 1;
            }
            assert!(
                buffer.visits <= 4 * pushes,
                "{} items visited for {pushes} pushes",
                buffer.visits
            );
        }
        assert_eq!(buffer.messages, CAPACITY);
    }

    /// The drop-oldest policy written plainly: find the oldest message, replace it with a lag
    /// marker or count it in the marker just before it.
    fn drop_oldest_model(
        items: &mut VecDeque<Result<Event, Error>>,
        capacity: usize,
        item: Result<Event, Error>,
    ) {
        let messages = items.iter().filter(|item| is_message(item)).count();
        if is_message(&item) && messages >= capacity {
            let index = items.iter().position(is_message).expect("a message");
            match index.checked_sub(1).map(|before| &mut items[before]) {
                Some(Err(Error::Lagged { skipped })) => {
                    *skipped += 1;
                    items.remove(index);
                }
                _ => items[index] = Err(Error::Lagged { skipped: 1 }),
            }
        }
        items.push_back(item);
    }

    #[test]
    fn drop_oldest_matches_the_plain_model_whatever_the_order_of_pushes_and_reads() {
        let mut seed = 0x2545_f491_u32;
        let mut random = move |below: u32| {
            // xorshift32: a fixed sequence, so the test is deterministic.
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % below
        };
        for capacity in [1, 2, 3, 8] {
            let mut buffer = Buffer::new(capacity, Overflow::DropOldest);
            let mut model = VecDeque::new();
            for n in 0..5_000 {
                match random(10) {
                    0 => {
                        buffer.push(Ok(Event::Open));
                        drop_oldest_model(&mut model, capacity, Ok(Event::Open));
                    }
                    1 | 2 => {
                        let got = buffer.poll_next(Waker::noop());
                        match model.pop_front() {
                            Some(item) => assert_eq!(got, Poll::Ready(Some(item))),
                            None => assert_eq!(got, Poll::Pending),
                        }
                    }
                    _ => {
                        buffer.push(message(n));
                        drop_oldest_model(&mut model, capacity, message(n));
                    }
                }
            }
            assert_eq!(drain(&mut buffer), Vec::from(model), "capacity {capacity}");
        }
    }

    #[test]
    fn drop_newest_reports_the_gap_after_the_survivors() {
        let mut buffer = Buffer::new(2, Overflow::DropNewest);
        for n in 1..=5 {
            buffer.push(message(n));
        }
        assert_eq!(
            drain(&mut buffer),
            vec![message(1), message(2), Err(Error::Lagged { skipped: 3 })]
        );
        buffer.push(message(6));
        assert_eq!(drain(&mut buffer), vec![message(6)]);
    }

    #[test]
    fn control_items_are_never_dropped() {
        let mut buffer = Buffer::new(1, Overflow::DropNewest);
        buffer.push(message(1));
        buffer.push(Ok(Event::Open));
        buffer.push(Err(Error::Disconnected));
        assert_eq!(
            drain(&mut buffer),
            vec![message(1), Ok(Event::Open), Err(Error::Disconnected)]
        );
    }

    #[test]
    fn the_end_is_told_only_once_the_last_item_is_taken() {
        let mut buffer = Buffer::new(1, Overflow::DropOldest);
        buffer.push(message(1));
        buffer.push(message(2));
        buffer.push(Err(Error::Disconnected));
        buffer.push_last(Err(Error::ConnectionFailed));
        let mut taken = Vec::new();
        while let Poll::Ready(Some(item)) = buffer.poll_next(Waker::noop()) {
            taken.push((item, buffer.is_ended()));
        }
        assert_eq!(
            taken,
            [
                (Err(Error::Lagged { skipped: 1 }), false),
                (message(2), false),
                (Err(Error::Disconnected), false),
                (Err(Error::ConnectionFailed), true)
            ]
        );
    }

    #[test]
    fn push_last_ends_after_the_item() {
        let mut buffer = Buffer::new(4, Overflow::Fail);
        buffer.push(message(1));
        buffer.push_last(Err(Error::ConnectionFailed));
        buffer.push(message(2));
        assert_eq!(
            drain(&mut buffer),
            vec![message(1), Err(Error::ConnectionFailed)]
        );
        assert!(buffer.is_ended());
    }
}
