//! Images with the `image` crate (pure Rust codecs: JPEG, PNG, WebP, GIF only) and
//! `infer` for the type. The type comes from the content's magic bytes, never from
//! a name or a declared type; dimensions are read from the header and checked
//! before any pixel is decoded, and decoding runs under allocation limits, so a
//! decompression bomb is refused, not fatal. What is stored is re-encoded from the
//! pixels: EXIF (GPS included), XMP and comments do not survive it. The work runs on
//! the blocking pool, never on the async workers.

mod codec;
mod detect;

pub use codec::ImageRsCodec;
