//! Images made in the test (no binaries in the repository) and multipart uploads.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::Value;

use super::{Response, TestApp};

/// A `width`×`height` image in `format`, with a gradient so it is not trivial.
pub fn image_bytes(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let byte = |value: u32| u8::try_from(value % 256).unwrap();
        image::Rgb([byte(x), byte(y), byte(x + y)])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    image_bytes(width, height, ImageFormat::Png)
}

/// A JPEG carrying an EXIF segment with GPS coordinates, as phones write them.
pub fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let jpeg = image_bytes(width, height, ImageFormat::Jpeg);
    // A big-endian TIFF header, an empty IFD, then the tell-tale tag name and value.
    let payload: &[u8] =
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0GPSLatitude=52.3676N;GPSLongitude=4.9041E";
    let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut out = Vec::with_capacity(jpeg.len() + payload.len() + 4);
    out.extend_from_slice(&jpeg[..2]); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length);
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A few hundred bytes of PNG that declare `side`×`side` pixels: decoding it would
/// take `side² × 3` bytes.
pub fn png_bomb(side: u32) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    // A zlib stream of a few zero bytes (stored block): far too short, never read.
    let data = [
        0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0, 0, 0x04, 0x00, 0x01,
    ];
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, body) in [
        (b"IHDR", header.as_slice()),
        (b"IDAT", &data[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(body);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A `multipart/form-data` body with a `file` part (named `file_name`, declared as
/// `declared_type`) and the given text fields.
pub fn form(
    file_name: &str,
    declared_type: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> (String, Vec<u8>) {
    let boundary = "folio-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {declared_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Uploads `bytes` as `file_name` (declared `image/png`) with `token`.
    pub async fn upload(&self, token: Option<&str>, file_name: &str, bytes: &[u8]) -> Response {
        let (content_type, body) = form(
            file_name,
            "image/png",
            bytes,
            &[("purpose", "article_image")],
        );
        self.send_form(token, content_type, body).await
    }

    pub async fn send_form(
        &self,
        token: Option<&str>,
        content_type: String,
        body: Vec<u8>,
    ) -> Response {
        let mut request = self
            .client
            .post(self.url("/api/v1/uploads"))
            .header("Content-Type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        Self::read(request.send().await.expect("request reaches the server")).await
    }

    /// Polls the upload until it is no longer processing; its final body.
    pub async fn settled_upload(&self, token: &str, id: &str) -> Value {
        for _ in 0..600 {
            let response = self.get(&format!("/uploads/{id}"), Some(token)).await;
            assert_eq!(response.status, 200, "{}", response.text);
            if response.body["upload"]["status"] != "processing" {
                return response.body["upload"].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("upload {id} still processing after 60 s");
    }

    /// GET of a path on this server (a file URL), with extra headers.
    pub async fn fetch(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request reaches the server")
    }
}
