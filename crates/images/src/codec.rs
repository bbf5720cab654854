//! Decoding within limits, re-encoding without metadata, resizing.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use folio_application::ports::{ImageCodec, ImageRejection, PortError, PreparedImage, Variants};
use folio_domain::{ContentHash, ImageType, UploadLimits, Variant};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::detect::detect;

/// JPEG quality of stored images and variants: visually lossless for photos.
const JPEG_QUALITY: u8 = 90;

/// Headroom over the pixels' own bytes for the decoders' buffers.
const DECODER_SLACK: u64 = 64 * 1024 * 1024;

/// Decodes at most as many images at once as it has permits: each may take hundreds
/// of megabytes within the limits, so concurrent uploads queue instead of taking the
/// process's memory together.
#[derive(Debug, Clone)]
pub struct ImageRsCodec {
    permits: Arc<Semaphore>,
}

impl ImageRsCodec {
    pub fn new(concurrent_decodes: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrent_decodes.max(1))),
        }
    }

    /// One decode at a time per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PortError> + Send + 'static,
    ) -> Result<T, PortError> {
        let _permit = self.permits.acquire().await.map_err(PortError::other)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(PortError::other)?
    }
}

impl ImageCodec for ImageRsCodec {
    async fn prepare(
        &self,
        path: &Path,
        limits: UploadLimits,
    ) -> Result<Result<PreparedImage, ImageRejection>, PortError> {
        let path = path.to_owned();
        self.blocking(move || {
            let bytes = std::fs::read(path).map_err(PortError::other)?;
            Ok(prepare(&bytes, limits))
        })
        .await
    }

    async fn variants(
        &self,
        original: Vec<u8>,
        image_type: ImageType,
        limits: UploadLimits,
    ) -> Result<Result<Variants, ImageRejection>, PortError> {
        self.blocking(move || Ok(variants(&original, image_type, limits)))
            .await
    }
}

pub(crate) fn prepare(bytes: &[u8], limits: UploadLimits) -> Result<PreparedImage, ImageRejection> {
    let image_type = detect(bytes)?;
    let image = decode(bytes, image_type, limits)?;
    let clean = encode(&image, image_type)?;
    Ok(PreparedImage {
        image_type,
        width: image.width(),
        height: image.height(),
        received: ContentHash::of(bytes),
        received_size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        clean,
    })
}

pub(crate) fn variants(
    original: &[u8],
    image_type: ImageType,
    limits: UploadLimits,
) -> Result<Variants, ImageRejection> {
    let image = decode(original, image_type, limits)?;
    Variant::ALL
        .into_iter()
        .map(|variant| {
            let side = variant.max_side();
            let resized = if image.width() <= side && image.height() <= side {
                image.clone()
            } else {
                image.resize(side, side, image::imageops::FilterType::Lanczos3)
            };
            Ok((variant, encode(&resized, image_type.variant_type())?))
        })
        .collect()
}

fn format_of(image_type: ImageType) -> ImageFormat {
    match image_type {
        ImageType::Jpeg => ImageFormat::Jpeg,
        ImageType::Png => ImageFormat::Png,
        ImageType::Webp => ImageFormat::WebP,
        ImageType::Gif => ImageFormat::Gif,
    }
}

fn undecodable(error: impl std::fmt::Display) -> ImageRejection {
    ImageRejection::Undecodable {
        reason: error.to_string(),
    }
}

/// The pixels, upright (the EXIF orientation is applied before EXIF is dropped).
/// Dimensions are checked from the header before anything is allocated for pixels.
fn decode(
    bytes: &[u8],
    image_type: ImageType,
    limits: UploadLimits,
) -> Result<DynamicImage, ImageRejection> {
    let format = format_of(image_type);
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(undecodable)?;
    if !limits.allows_dimensions(width, height) {
        return Err(ImageRejection::TooLarge { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoding = Limits::default();
    decoding.max_image_width = Some(limits.max_side);
    decoding.max_image_height = Some(limits.max_side);
    decoding.max_alloc = Some(
        limits
            .max_pixels
            .saturating_mul(4)
            .saturating_add(DECODER_SLACK),
    );
    reader.limits(decoding);
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let orientation = decoder.orientation().map_err(undecodable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// `image` as `image_type`, with nothing but the pixels.
fn encode(image: &DynamicImage, image_type: ImageType) -> Result<Vec<u8>, ImageRejection> {
    let mut out = Cursor::new(Vec::new());
    let written = match image_type {
        ImageType::Jpeg => {
            let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        }
        ImageType::Webp => {
            let rgba = DynamicImage::ImageRgba8(image.to_rgba8());
            rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        ImageType::Png => image.write_to(&mut out, ImageFormat::Png),
        ImageType::Gif => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_to(&mut out, ImageFormat::Gif)
        }
    };
    written.map_err(undecodable)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                u8::try_from(x % 256).unwrap(),
                u8::try_from(y % 256).unwrap(),
                128,
            ])
        }));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn each_accepted_type_is_prepared_in_its_own_type() {
        for (format, image_type) in [
            (ImageFormat::Png, ImageType::Png),
            (ImageFormat::Jpeg, ImageType::Jpeg),
            (ImageFormat::Gif, ImageType::Gif),
            (ImageFormat::WebP, ImageType::Webp),
        ] {
            let bytes = encoded(30, 20, format);
            let prepared = prepare(&bytes, UploadLimits::default()).unwrap();
            assert_eq!(prepared.image_type, image_type);
            assert_eq!((prepared.width, prepared.height), (30, 20));
            assert_eq!(prepared.received, ContentHash::of(&bytes));
            assert_eq!(detect(&prepared.clean), Ok(image_type));
        }
    }

    #[test]
    fn dimensions_over_the_limits_are_refused_before_decoding() {
        let limits = UploadLimits {
            max_side: 25,
            ..UploadLimits::default()
        };
        let refused = prepare(&encoded(30, 20, ImageFormat::Png), limits);
        assert_eq!(
            refused,
            Err(ImageRejection::TooLarge {
                width: 30,
                height: 20
            })
        );
    }

    #[test]
    fn a_truncated_image_is_undecodable() {
        let bytes = encoded(30, 20, ImageFormat::Png);
        let truncated = bytes.get(..bytes.len() / 2).unwrap();
        assert!(matches!(
            prepare(truncated, UploadLimits::default()),
            Err(ImageRejection::Undecodable { .. })
        ));
    }

    #[test]
    fn variants_fit_their_box_and_small_images_are_not_enlarged() {
        let made = variants(
            &encoded(1000, 500, ImageFormat::Png),
            ImageType::Png,
            UploadLimits::default(),
        )
        .unwrap();
        let sizes: Vec<(Variant, (u32, u32))> = made
            .iter()
            .map(|(variant, bytes)| (*variant, dimensions(bytes)))
            .collect();
        assert_eq!(
            sizes,
            [(Variant::Thumb, (160, 80)), (Variant::Medium, (800, 400))]
        );

        let small = variants(
            &encoded(100, 50, ImageFormat::Gif),
            ImageType::Gif,
            UploadLimits::default(),
        )
        .unwrap();
        for (_, bytes) in small {
            assert_eq!(
                detect(&bytes),
                Ok(ImageType::Png),
                "a GIF's variants are PNG"
            );
            assert_eq!(dimensions(&bytes), (100, 50));
        }
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32) {
        let image = image::load_from_memory(bytes).unwrap();
        (image.width(), image.height())
    }
}
