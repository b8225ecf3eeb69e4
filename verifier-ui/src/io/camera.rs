//! The camera: open (rear camera by default), list the cameras to switch
//! between, the torch where the track supports it, and frames grabbed as
//! `ImageBitmap`s scaled to what the decoder needs.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, HtmlVideoElement, ImageBitmap, ImageBitmapOptions, MediaDeviceInfo,
    MediaDeviceKind, MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack,
    ResizeQuality,
};

/// Longest side of a camera frame sent to the decoder: a QR code that
/// fills a phone's view still has several pixels per module at this size,
/// and decoding time grows with the pixel count.
const FRAME_MAX_SIDE: u32 = 960;
/// Longest side of an uploaded image sent to the decoder (bounds the
/// worker's memory for a 50-megapixel photo).
const IMAGE_MAX_SIDE: u32 = 2048;

/// Why the camera could not be opened: each has its own screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraError {
    /// The user or a policy refused the permission.
    Denied,
    /// No camera (or none matching).
    NotFound,
    /// Another app holds the camera.
    InUse,
    /// No camera API here (an insecure origin, an old browser).
    Unsupported,
}

/// An open camera stream.
#[derive(Debug, Clone)]
pub struct Camera {
    stream: MediaStream,
}

fn media_devices() -> Result<MediaDevices, CameraError> {
    let navigator = web_sys::window()
        .ok_or(CameraError::Unsupported)?
        .navigator();
    // `mediaDevices` is undefined on insecure origins.
    let devices =
        Reflect::get(&navigator, &"mediaDevices".into()).map_err(|_| CameraError::Unsupported)?;
    if devices.is_undefined() || devices.is_null() {
        return Err(CameraError::Unsupported);
    }
    navigator
        .media_devices()
        .map_err(|_| CameraError::Unsupported)
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &key.into(), value);
}

impl Camera {
    /// Open `device_id`, or the rear camera when `None`.
    pub async fn open(device_id: Option<&str>) -> Result<Self, CameraError> {
        let devices = media_devices()?;
        let video = Object::new();
        match device_id {
            Some(id) => {
                let exact = Object::new();
                set(&exact, "exact", &id.into());
                set(&video, "deviceId", &exact);
            }
            None => {
                let ideal = Object::new();
                set(&ideal, "ideal", &"environment".into());
                set(&video, "facingMode", &ideal);
            }
        }
        let width = Object::new();
        set(&width, "ideal", &1280.into());
        set(&video, "width", &width);
        let height = Object::new();
        set(&height, "ideal", &720.into());
        set(&video, "height", &height);
        let constraints = MediaStreamConstraints::new();
        constraints.set_video(&video);
        constraints.set_audio(&false.into());
        let promise = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|e| classify(&e))?;
        let stream = JsFuture::from(promise).await.map_err(|e| classify(&e))?;
        let stream: MediaStream = stream.dyn_into().map_err(|_| CameraError::NotFound)?;
        Ok(Self { stream })
    }

    /// Show the stream in `video` and start playing it.
    pub async fn attach(&self, video: &HtmlVideoElement) -> Result<(), JsValue> {
        video.set_src_object(Some(&self.stream));
        video.set_muted(true);
        JsFuture::from(video.play()?).await.map(drop)
    }

    /// Stop every track: the camera light goes off.
    pub fn stop(&self) {
        for track in self.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    }

    fn track(&self) -> Option<MediaStreamTrack> {
        self.stream.get_video_tracks().get(0).dyn_into().ok()
    }

    /// The id of the camera in use.
    pub fn device_id(&self) -> Option<String> {
        let track = self.track()?;
        let settings = Reflect::get(&track, &"getSettings".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?
            .call0(&track)
            .ok()?;
        Reflect::get(&settings, &"deviceId".into())
            .ok()?
            .as_string()
    }

    /// Whether the camera has a torch the page may switch.
    pub fn has_torch(&self) -> bool {
        let Some(track) = self.track() else {
            return false;
        };
        let Ok(get) = Reflect::get(&track, &"getCapabilities".into()) else {
            return false;
        };
        let Some(get) = get.dyn_ref::<js_sys::Function>() else {
            return false;
        };
        get.call0(&track)
            .ok()
            .and_then(|caps| Reflect::get(&caps, &"torch".into()).ok())
            .is_some_and(|torch| torch.is_truthy())
    }

    /// Switch the torch on or off.
    pub async fn set_torch(&self, on: bool) -> Result<(), JsValue> {
        let track = self
            .track()
            .ok_or_else(|| JsValue::from_str("no video track"))?;
        let torch = Object::new();
        set(&torch, "torch", &on.into());
        let constraints = Object::new();
        set(&constraints, "advanced", &Array::of1(&torch));
        let promise = track.apply_constraints_with_constraints(constraints.unchecked_ref())?;
        JsFuture::from(promise).await.map(drop)
    }
}

fn classify(e: &JsValue) -> CameraError {
    let name = e
        .dyn_ref::<DomException>()
        .map(|d| d.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => CameraError::Denied,
        "NotReadableError" | "AbortError" | "TrackStartError" => CameraError::InUse,
        "TypeError" => CameraError::Unsupported,
        _ => CameraError::NotFound,
    }
}

/// The cameras present, as `(deviceId, label)`.
pub async fn cameras() -> Vec<(String, String)> {
    let Ok(devices) = media_devices() else {
        return Vec::new();
    };
    let Ok(promise) = devices.enumerate_devices() else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(promise).await else {
        return Vec::new();
    };
    Array::from(&list)
        .iter()
        .filter_map(|d| d.dyn_into::<MediaDeviceInfo>().ok())
        .filter(|d| d.kind() == MediaDeviceKind::Videoinput)
        .map(|d| (d.device_id(), d.label()))
        .collect()
}

/// Resolve on the video's next frame (`requestVideoFrameCallback` where
/// the browser has it, the next animation frame otherwise), so no frame is
/// scanned twice.
pub async fn next_frame(video: &HtmlVideoElement) {
    let promise = Promise::new(&mut |resolve, _reject| {
        let callback = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let rvfc = Reflect::get(video, &"requestVideoFrameCallback".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let requested = match rvfc {
            Some(f) => f.call1(video, &callback).is_ok(),
            None => false,
        };
        if !requested && let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(callback.unchecked_ref());
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `(width, height)` scaled so the longest side is at most `max_side`.
fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let w = (f64::from(width) * scale).round().max(1.0) as u32;
    let h = (f64::from(height) * scale).round().max(1.0) as u32;
    (w, h)
}

/// The video's current frame as a bitmap for the decoder (`None` before
/// the first frame).
pub async fn grab(video: &HtmlVideoElement) -> Option<ImageBitmap> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return None;
    }
    let (w, h) = fit(width, height, FRAME_MAX_SIDE);
    let options = ImageBitmapOptions::new();
    options.set_resize_width(w);
    options.set_resize_height(h);
    options.set_resize_quality(ResizeQuality::Low);
    let promise = web_sys::window()?
        .create_image_bitmap_with_html_video_element_and_image_bitmap_options(video, &options)
        .ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// An image file (photo, screenshot, PDF page image) as a bitmap for the
/// decoder, scaled down when very large; `None` if it is not an image.
pub async fn image_from_blob(blob: &web_sys::Blob) -> Option<ImageBitmap> {
    let window = web_sys::window()?;
    let promise = window.create_image_bitmap_with_blob(blob).ok()?;
    let bitmap: ImageBitmap = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let (w, h) = fit(bitmap.width(), bitmap.height(), IMAGE_MAX_SIDE);
    if (w, h) == (bitmap.width(), bitmap.height()) {
        return Some(bitmap);
    }
    let options = ImageBitmapOptions::new();
    options.set_resize_width(w);
    options.set_resize_height(h);
    options.set_resize_quality(ResizeQuality::High);
    let promise = window
        .create_image_bitmap_with_image_bitmap_and_image_bitmap_options(&bitmap, &options)
        .ok()?;
    let scaled = JsFuture::from(promise).await.ok()?.dyn_into().ok();
    bitmap.close();
    scaled
}
