//! Fake-camera videos for Chromium (`--use-file-for-fake-video-capture`),
//! made with ffmpeg from the fixtures' QR PNGs, cached under the target
//! directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn out_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("target"))
        .join("pwa-videos");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn ffmpeg(args: &[&str], out: &Path) -> Result<PathBuf> {
    if out.is_file() {
        return Ok(out.to_path_buf());
    }
    let partial = out.with_extension("partial.y4m");
    let status = Command::new(crate::tools::ffmpeg()?)
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&partial)
        .status()
        .context("run ffmpeg")?;
    if !status.success() {
        bail!("ffmpeg failed ({status}) making {}", out.display());
    }
    std::fs::rename(&partial, out)?;
    Ok(out.to_path_buf())
}

fn stem(png: &Path) -> String {
    png.components()
        .rev()
        .skip(1)
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A 640x480 video, 15 frames/s, of `png` centred on grey, after `blank_s`
/// seconds of grey (the QR "appears" then), `seconds` long in all.
pub fn of_qr_after(png: &Path, blank_s: f64, seconds: f64) -> Result<PathBuf> {
    let out = out_dir()?.join(format!("{}-{blank_s}-{seconds}.y4m", stem(png)));
    let filter = format!(
        "[1:v]scale=440:440[qr];[0:v][qr]overlay=100:20:enable='gte(t,{blank_s})',format=yuv420p"
    );
    let png = png.to_string_lossy();
    let total = seconds.to_string();
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            &format!("color=c=0x969696:s=640x480:r=15:d={total}"),
            "-loop",
            "1",
            "-i",
            &png,
            "-filter_complex",
            &filter,
            "-t",
            &total,
            "-r",
            "15",
            "-pix_fmt",
            "yuv420p",
        ],
        &out,
    )
}

/// A video of `png` from the first frame.
pub fn of_qr(png: &Path) -> Result<PathBuf> {
    of_qr_after(png, 0.0, 3.0)
}

/// A grey video with no code in it.
pub fn blank() -> Result<PathBuf> {
    let out = out_dir()?.join("blank.y4m");
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=0x969696:s=640x480:r=15:d=1",
            "-pix_fmt",
            "yuv420p",
        ],
        &out,
    )
}

/// A "photo" of `png`: turned a little, larger, softened, as a JPEG.
pub fn photo_of(png: &Path) -> Result<PathBuf> {
    let out = out_dir()?.join(format!("{}-photo.jpg", stem(png)));
    if out.is_file() {
        return Ok(out);
    }
    let status = Command::new(crate::tools::ffmpeg()?)
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(png)
        .args([
            "-vf",
            "scale=900:900,rotate=0.12:c=0xe8e4dc:ow=1100:oh=1000,boxblur=1:1",
            "-q:v",
            "4",
        ])
        .arg(&out)
        .status()
        .context("run ffmpeg")?;
    if !status.success() {
        bail!("ffmpeg failed ({status}) making {}", out.display());
    }
    Ok(out)
}
