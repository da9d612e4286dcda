//! Checksums appended to a payload: sum-8, XOR-8 and the catalogued CRCs (from the `crc` crate,
//! which carries each algorithm's published parameters).

use std::fmt;

use crc::{CRC_16_IBM_3740, CRC_16_MODBUS, CRC_32_ISO_HDLC, Crc};

const MODBUS: Crc<u16> = Crc::<u16>::new(&CRC_16_MODBUS);
/// CRC-16/CCITT-FALSE is the catalogue's CRC-16/IBM-3740.
const CCITT_FALSE: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Checksum {
    #[default]
    None,
    /// The sum of the bytes, modulo 256.
    Sum8,
    /// The bytes XORed together.
    Xor8,
    Crc16Modbus,
    Crc16CcittFalse,
    Crc32,
}

/// How a 16- or 32-bit checksum goes on the wire.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ByteOrder {
    /// Most significant byte first (network order).
    #[default]
    BigEndian,
    LittleEndian,
}

impl Checksum {
    pub const ALL: [Self; 6] = [
        Self::None,
        Self::Sum8,
        Self::Xor8,
        Self::Crc16Modbus,
        Self::Crc16CcittFalse,
        Self::Crc32,
    ];

    /// The checksum's width in bytes (0 for none).
    pub fn width(self) -> usize {
        match self {
            Self::None => 0,
            Self::Sum8 | Self::Xor8 => 1,
            Self::Crc16Modbus | Self::Crc16CcittFalse => 2,
            Self::Crc32 => 4,
        }
    }

    /// The order its protocols put it on the wire in: Modbus RTU sends the CRC low byte first.
    pub fn usual_order(self) -> ByteOrder {
        match self {
            Self::Crc16Modbus => ByteOrder::LittleEndian,
            _ => ByteOrder::BigEndian,
        }
    }

    /// The checksum's value over `bytes`.
    pub fn value(self, bytes: &[u8]) -> u32 {
        match self {
            Self::None => 0,
            Self::Sum8 => u32::from(bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b))),
            Self::Xor8 => u32::from(bytes.iter().fold(0u8, |sum, &b| sum ^ b)),
            Self::Crc16Modbus => u32::from(MODBUS.checksum(bytes)),
            Self::Crc16CcittFalse => u32::from(CCITT_FALSE.checksum(bytes)),
            Self::Crc32 => CRC32.checksum(bytes),
        }
    }

    /// The checksum's bytes over `bytes`, in `order`, ready to append.
    pub fn bytes(self, bytes: &[u8], order: ByteOrder) -> Vec<u8> {
        let width = self.width();
        let value = self.value(bytes).to_be_bytes();
        let mut out = value[4 - width..].to_vec();
        if order == ByteOrder::LittleEndian {
            out.reverse();
        }
        out
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Sum8 => "Sum-8",
            Self::Xor8 => "XOR-8",
            Self::Crc16Modbus => "CRC-16/MODBUS",
            Self::Crc16CcittFalse => "CRC-16/CCITT-FALSE",
            Self::Crc32 => "CRC-32",
        })
    }
}

impl fmt::Display for ByteOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BigEndian => "Big-endian",
            Self::LittleEndian => "Little-endian",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECK: &[u8] = b"123456789";

    #[test]
    fn published_check_values() {
        // The catalogue's "check" for each CRC; sum and XOR worked by hand:
        // 0x31 + … + 0x39 = 0x1DD, and 0x31 ^ … ^ 0x39 = 0x31.
        assert_eq!(Checksum::Sum8.value(CHECK), 0xDD);
        assert_eq!(Checksum::Xor8.value(CHECK), 0x31);
        assert_eq!(Checksum::Crc16Modbus.value(CHECK), 0x4B37);
        assert_eq!(Checksum::Crc16CcittFalse.value(CHECK), 0x29B1);
        assert_eq!(Checksum::Crc32.value(CHECK), 0xCBF4_3926);
        assert_eq!(
            Checksum::None.bytes(CHECK, ByteOrder::BigEndian),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn bytes_in_either_order() {
        use ByteOrder::{BigEndian, LittleEndian};
        assert_eq!(Checksum::Sum8.bytes(CHECK, LittleEndian), [0xDD]);
        assert_eq!(
            Checksum::Crc16Modbus.bytes(CHECK, LittleEndian),
            [0x37, 0x4B]
        );
        assert_eq!(
            Checksum::Crc16CcittFalse.bytes(CHECK, BigEndian),
            [0x29, 0xB1]
        );
        assert_eq!(
            Checksum::Crc32.bytes(CHECK, BigEndian),
            [0xCB, 0xF4, 0x39, 0x26]
        );
        assert_eq!(
            Checksum::Crc32.bytes(CHECK, LittleEndian),
            [0x26, 0x39, 0xF4, 0xCB]
        );
    }

    #[test]
    fn a_real_modbus_frame() {
        // Read holding registers 0..10 of unit 1: the CRC every Modbus guide shows is C5 CD.
        let frame = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A];
        let order = Checksum::Crc16Modbus.usual_order();
        assert_eq!(Checksum::Crc16Modbus.bytes(&frame, order), [0xC5, 0xCD]);
    }
}
