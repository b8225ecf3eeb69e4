//! Pieces shared by the screens.

pub mod icons;
pub mod lang_switch;
pub mod trust_bar;
