//! Request bodies and event lines from the outside: parsing never panics, and whatever parses
//! serialises back to JSON that parses to the same value (no `null`s invented on the way).
#![no_main]

use appgen_core::agui::{Event, RunAgentInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<RunAgentInput>(data) {
        let text = serde_json::to_string(&input).expect("serialises");
        let again: RunAgentInput = serde_json::from_str(&text).expect("round-trips");
        assert_eq!(again, input);
        for m in &input.messages {
            let _ = m.user_text();
        }
    }
    if let Ok(event) = serde_json::from_slice::<Event>(data) {
        let text = serde_json::to_string(&event).expect("serialises");
        let again: Event = serde_json::from_str(&text).expect("round-trips");
        assert_eq!(again, event);
        let _ = event.type_name();
    }
});
