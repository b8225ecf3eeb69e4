//! Compiles `locales/{en,hi,fr,ar}.json` into the `i18n` module that
//! `src/lib.rs` includes: every key is checked at build time, and a key
//! missing from one locale is a build warning that names it.

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?).join("i18n");
    let mut config = Config::new("en")?
        .add_locale("hi")?
        .add_locale("fr")?
        .add_locale("ar")?;
    // `td_string!` with interpolated values (ages, dates, doses).
    config.options = ParseOptions::new().interpolate_display(true);
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out)?;
    Ok(())
}
