//! Inline icons for the verdict states: the state is always told by an
//! icon and words as well as colour. Decorative (`aria-hidden`): the words
//! beside them carry the meaning.

use leptos::prelude::*;

use crate::verdict::Status;

/// The icon for a status.
#[component]
pub fn StatusIcon(status: Status) -> impl IntoView {
    let path = match status {
        // A tick.
        Status::Valid => "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
        // A cross.
        Status::Invalid | Status::NotACertificate => {
            "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z"
        }
        // A no-entry sign.
        Status::Revoked => {
            "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 0 1-6.3-12.9l11.2 11.2A8 8 0 0 1 12 20zm6.3-3.1L7.1 5.7A8 8 0 0 1 18.3 16.9z"
        }
        // A pause sign.
        Status::Suspended => "M6 5h4v14H6zm8 0h4v14h-4z",
        // A question mark.
        Status::UnknownIssuer => {
            "M11 18h2v-2h-2v2zm1-16a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm0-14a4 4 0 0 0-4 4h2a2 2 0 1 1 4 0c0 2-3 1.75-3 5h2c0-2.25 3-2.5 3-5a4 4 0 0 0-4-4z"
        }
        // A clock.
        Status::Expired | Status::NotYetValid => {
            "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.2 3.2.8-1.3-4.5-2.7z"
        }
    };
    view! {
        <svg class="status-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=path fill="currentColor" />
        </svg>
    }
}
