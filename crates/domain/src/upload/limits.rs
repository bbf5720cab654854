/// How much one upload, and one user's uploads together, may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Bytes of one upload as received.
    pub max_bytes: u64,
    /// Bytes of all of a user's uploads that are not deleted.
    pub quota_bytes: u64,
    /// Pixels of the longer side.
    pub max_side: u32,
    /// Pixels in all (width × height), what decoding allocates for.
    pub max_pixels: u64,
}

const MIB: u64 = 1024 * 1024;

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * MIB,
            quota_bytes: 200 * MIB,
            max_side: 12_000,
            max_pixels: 50_000_000,
        }
    }
}

impl UploadLimits {
    /// Whether an image of these dimensions may be decoded.
    pub fn allows_dimensions(&self, width: u32, height: u32) -> bool {
        width > 0
            && height > 0
            && width <= self.max_side
            && height <= self.max_side
            && u64::from(width) * u64::from(height) <= self.max_pixels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_are_limited_per_side_and_in_total() {
        let limits = UploadLimits::default();
        assert!(limits.allows_dimensions(12_000, 4_000));
        assert!(!limits.allows_dimensions(12_001, 10));
        assert!(!limits.allows_dimensions(10, 12_001));
        assert!(!limits.allows_dimensions(10_000, 6_000), "60 megapixels");
        assert!(!limits.allows_dimensions(0, 10));
    }
}
