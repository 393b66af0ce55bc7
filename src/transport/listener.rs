//! [`Listener`]: an event listener that is removed when dropped, as gloo-events'
//! `EventListener` is, for the two kinds of callback this crate registers.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// A listener for one event type on one `EventTarget`, removed when dropped: a stream that
/// is dropped leaves no callback behind on the browser's objects.
pub(crate) struct Listener {
    target: web_sys::EventTarget,
    event_type: String,
    callback: js_sys::Function,
    /// The Rust closure behind `callback`, when it is one: freed with the listener.
    _closure: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("event_type", &self.event_type)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Calls `callback` with every `event_type` event of `target`.
    pub(crate) fn new(
        target: &web_sys::EventTarget,
        event_type: &str,
        callback: impl FnMut(web_sys::Event) + 'static,
    ) -> Result<Self, JsValue> {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        let function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
        let mut listener = Self::function(target, event_type, &function)?;
        listener._closure = Some(closure);
        Ok(listener)
    }

    /// Calls the JavaScript `function` with every `event_type` event of `target`.
    pub(crate) fn function(
        target: &web_sys::EventTarget,
        event_type: &str,
        function: &js_sys::Function,
    ) -> Result<Self, JsValue> {
        target.add_event_listener_with_callback(event_type, function)?;
        Ok(Listener {
            target: target.clone(),
            event_type: event_type.to_owned(),
            callback: function.clone(),
            _closure: None,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // Removing a registered listener cannot fail; there is nothing to report from a drop.
        let _ = self
            .target
            .remove_event_listener_with_callback(&self.event_type, &self.callback);
    }
}
