//! AuthN access bits: what a role may do on a cluster or bucket.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};
use std::str::FromStr;

use crate::error::Error;

/// Each single bit with the operation name the server, the CLI and the Go client use, and the
/// name of this crate's constant.
const OPS: [(AccessAttr, &str, &str); 18] = [
    (AccessAttr::GET, "GET", "GET"),
    (AccessAttr::OBJ_HEAD, "HEAD-OBJECT", "OBJ_HEAD"),
    (AccessAttr::PUT, "PUT", "PUT"),
    (AccessAttr::APPEND, "APPEND", "APPEND"),
    (AccessAttr::OBJ_DELETE, "DELETE-OBJECT", "OBJ_DELETE"),
    (AccessAttr::OBJ_MOVE, "MOVE-OBJECT", "OBJ_MOVE"),
    (AccessAttr::PROMOTE, "PROMOTE", "PROMOTE"),
    (AccessAttr::OBJ_UPDATE, "UPDATE-OBJECT", "OBJ_UPDATE"),
    (AccessAttr::BCK_HEAD, "HEAD-BUCKET", "BCK_HEAD"),
    (AccessAttr::OBJ_LIST, "LIST-OBJECTS", "OBJ_LIST"),
    (AccessAttr::PATCH, "PATCH", "PATCH"),
    (AccessAttr::BCK_SET_ACL, "SET-BUCKET-ACL", "BCK_SET_ACL"),
    (AccessAttr::LIST_BUCKETS, "LIST-BUCKETS", "LIST_BUCKETS"),
    (AccessAttr::SHOW_CLUSTER, "SHOW-CLUSTER", "SHOW_CLUSTER"),
    (AccessAttr::CREATE_BUCKET, "CREATE-BUCKET", "CREATE_BUCKET"),
    (
        AccessAttr::DESTROY_BUCKET,
        "DESTROY-BUCKET",
        "DESTROY_BUCKET",
    ),
    (AccessAttr::MOVE_BUCKET, "MOVE-BUCKET", "MOVE_BUCKET"),
    (AccessAttr::ADMIN, "ADMIN", "ADMIN"),
];

/// A set of AuthN access bits (`apc.AccessAttrs` on the server), combined with `|`.
///
/// On the wire a set is a decimal number inside a JSON string, e.g. `"771"`. Combining is a
/// bitwise OR, so overlapping sets stay correct: `ACCESS_RO | GET == ACCESS_RO`.
///
/// # Example
/// ```
/// use aistore_authn::AccessAttr;
/// let perms = AccessAttr::ACCESS_RO | AccessAttr::CREATE_BUCKET;
/// assert!(perms.contains(AccessAttr::GET));
/// assert_eq!((AccessAttr::ACCESS_RO | AccessAttr::GET).bits(), 771);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct AccessAttr(u64);

impl AccessAttr {
    /// No access.
    pub const NONE: AccessAttr = AccessAttr(0);
    /// Read an object (`GET`).
    pub const GET: AccessAttr = AccessAttr(1);
    /// Read an object's metadata (`HEAD-OBJECT`).
    pub const OBJ_HEAD: AccessAttr = AccessAttr(1 << 1);
    /// Write an object (`PUT`).
    pub const PUT: AccessAttr = AccessAttr(1 << 2);
    /// Append to an object (`APPEND`).
    pub const APPEND: AccessAttr = AccessAttr(1 << 3);
    /// Delete an object (`DELETE-OBJECT`).
    pub const OBJ_DELETE: AccessAttr = AccessAttr(1 << 4);
    /// Rename an object (`MOVE-OBJECT`).
    pub const OBJ_MOVE: AccessAttr = AccessAttr(1 << 5);
    /// Promote files to objects (`PROMOTE`).
    pub const PROMOTE: AccessAttr = AccessAttr(1 << 6);
    /// Update an object's metadata (`UPDATE-OBJECT`).
    pub const OBJ_UPDATE: AccessAttr = AccessAttr(1 << 7);
    /// Read a bucket's metadata (`HEAD-BUCKET`).
    pub const BCK_HEAD: AccessAttr = AccessAttr(1 << 8);
    /// List a bucket's objects (`LIST-OBJECTS`).
    pub const OBJ_LIST: AccessAttr = AccessAttr(1 << 9);
    /// Change bucket properties (`PATCH`).
    pub const PATCH: AccessAttr = AccessAttr(1 << 10);
    /// Change a bucket's ACL (`SET-BUCKET-ACL`).
    pub const BCK_SET_ACL: AccessAttr = AccessAttr(1 << 11);
    /// List buckets (`LIST-BUCKETS`).
    pub const LIST_BUCKETS: AccessAttr = AccessAttr(1 << 12);
    /// Show cluster information (`SHOW-CLUSTER`).
    pub const SHOW_CLUSTER: AccessAttr = AccessAttr(1 << 13);
    /// Create buckets (`CREATE-BUCKET`).
    pub const CREATE_BUCKET: AccessAttr = AccessAttr(1 << 14);
    /// Destroy buckets (`DESTROY-BUCKET`).
    pub const DESTROY_BUCKET: AccessAttr = AccessAttr(1 << 15);
    /// Rename buckets (`MOVE-BUCKET`).
    pub const MOVE_BUCKET: AccessAttr = AccessAttr(1 << 16);
    /// Cluster administration (`ADMIN`).
    pub const ADMIN: AccessAttr = AccessAttr(1 << 17);

    /// Read-only (`ro`): GET, HEAD-OBJECT, HEAD-BUCKET, LIST-OBJECTS = 771.
    pub const ACCESS_RO: AccessAttr = AccessAttr(1 | 1 << 1 | 1 << 8 | 1 << 9);
    /// Read-write (`rw`): read-only plus PUT, APPEND, DELETE-OBJECT, MOVE-OBJECT = 831.
    pub const ACCESS_RW: AccessAttr = AccessAttr(771 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5);
    /// Everything (`su`): all 64 bits, as the server's `AccessAll` and the CLI's `su` mean it.
    pub const ACCESS_SU: AccessAttr = AccessAttr(u64::MAX);
    /// Cluster read-only: LIST-BUCKETS, SHOW-CLUSTER = 12288.
    pub const CLUSTER_ACCESS_RO: AccessAttr = AccessAttr(1 << 12 | 1 << 13);
    /// Cluster read-write: cluster read-only plus create, destroy and move buckets = 126976.
    pub const CLUSTER_ACCESS_RW: AccessAttr = AccessAttr(12288 | 1 << 14 | 1 << 15 | 1 << 16);
    /// Bucket administration: PATCH, SET-BUCKET-ACL, UPDATE-OBJECT = 3200.
    pub const BUCKET_ADMIN: AccessAttr = AccessAttr(1 << 10 | 1 << 11 | 1 << 7);

    /// The set with exactly these bits.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::AccessAttr;
    ///
    /// assert_eq!(AccessAttr::from_bits(771), AccessAttr::ACCESS_RO);
    /// ```
    pub const fn from_bits(bits: u64) -> Self {
        AccessAttr(bits)
    }

    /// The bits of this set.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::AccessAttr;
    ///
    /// assert_eq!(AccessAttr::CLUSTER_ACCESS_RO.bits(), 12288);
    /// ```
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// True when every bit of `other` is in this set.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::AccessAttr;
    ///
    /// assert!(AccessAttr::ACCESS_RW.contains(AccessAttr::ACCESS_RO));
    /// assert!(!AccessAttr::ACCESS_RO.contains(AccessAttr::PUT));
    /// ```
    pub const fn contains(self, other: AccessAttr) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when no bit is set.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::AccessAttr;
    ///
    /// assert!(AccessAttr::NONE.is_empty());
    /// assert!((AccessAttr::ACCESS_RO & AccessAttr::CREATE_BUCKET).is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses a list of permissions as the `ais auth` CLI takes them, separated by commas or
    /// spaces and in any case: `ro`, `rw`, `su`, `none`, the operation names (`GET`,
    /// `HEAD-OBJECT`, `LIST-BUCKETS`, ...), this crate's constant names (`OBJ_HEAD`, ...), or
    /// decimal numbers. The parts are combined with OR.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the first word that is none of these.
    ///
    /// # Example
    /// ```
    /// use aistore_authn::AccessAttr;
    /// let p = AccessAttr::parse("ro, PUT create-bucket").unwrap();
    /// assert_eq!(p, AccessAttr::ACCESS_RO | AccessAttr::PUT | AccessAttr::CREATE_BUCKET);
    /// assert_eq!(AccessAttr::parse(&p.to_string()).unwrap(), p);
    /// ```
    pub fn parse(text: &str) -> Result<AccessAttr, Error> {
        let mut perms = AccessAttr::NONE;
        for word in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            let upper = word.to_ascii_uppercase();
            perms |= match upper.as_str() {
                "RO" => AccessAttr::ACCESS_RO,
                "RW" => AccessAttr::ACCESS_RW,
                "SU" => AccessAttr::ACCESS_SU,
                "NONE" => AccessAttr::NONE,
                _ => match OPS
                    .iter()
                    .find(|(_, op, name)| upper == *op || upper == *name)
                {
                    Some((bit, ..)) => *bit,
                    None => AccessAttr(word.parse().map_err(|_| {
                        Error::InvalidArgument(format!(
                            "unknown permission {word:?}: use ro, rw, su, an operation such \
                             as GET or LIST-BUCKETS, or a number"
                        ))
                    })?),
                },
            };
        }
        Ok(perms)
    }
}

impl FromStr for AccessAttr {
    type Err = Error;
    /// As [`AccessAttr::parse`].
    fn from_str(text: &str) -> Result<AccessAttr, Error> {
        AccessAttr::parse(text)
    }
}

impl BitOr for AccessAttr {
    type Output = AccessAttr;
    fn bitor(self, rhs: AccessAttr) -> AccessAttr {
        AccessAttr(self.0 | rhs.0)
    }
}

impl BitOrAssign for AccessAttr {
    fn bitor_assign(&mut self, rhs: AccessAttr) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for AccessAttr {
    type Output = AccessAttr;
    fn bitand(self, rhs: AccessAttr) -> AccessAttr {
        AccessAttr(self.0 & rhs.0)
    }
}

impl fmt::Debug for AccessAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessAttr({})", self.0)
    }
}

/// The set in the `ais` CLI's words, shortest first: `none`, `su`, or `ro`/`rw` followed by
/// the other operations' names, and any bits without a name as a number, separated by commas.
/// [`AccessAttr::parse`] reads it back to the same set. For the number, use
/// [`bits`](AccessAttr::bits); on the wire (serde) a set is that number in a JSON string.
///
/// # Example
/// ```
/// use aistore_authn::AccessAttr;
///
/// let perms = AccessAttr::ACCESS_RO | AccessAttr::CREATE_BUCKET;
/// assert_eq!(perms.to_string(), "ro,CREATE-BUCKET");
/// assert_eq!(AccessAttr::ACCESS_SU.to_string(), "su");
/// assert_eq!(format!("{} = {}", AccessAttr::ACCESS_RW, AccessAttr::ACCESS_RW.bits()), "rw = 831");
/// ```
impl fmt::Display for AccessAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.pad("none");
        }
        if *self == AccessAttr::ACCESS_SU {
            return f.pad("su");
        }
        let mut words: Vec<String> = Vec::new();
        let mut rest = *self;
        for (set, word) in [(AccessAttr::ACCESS_RW, "rw"), (AccessAttr::ACCESS_RO, "ro")] {
            if rest.contains(set) {
                words.push(word.to_owned());
                rest = AccessAttr(rest.0 & !set.0);
                break;
            }
        }
        for (bit, op, _) in OPS {
            if rest.contains(bit) {
                words.push(op.to_owned());
                rest = AccessAttr(rest.0 & !bit.0);
            }
        }
        if !rest.is_empty() {
            words.push(rest.0.to_string());
        }
        // `pad`, so that width and alignment work in tables: `{:<24}`.
        f.pad(&words.join(","))
    }
}

impl serde::Serialize for AccessAttr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for AccessAttr {
    /// Accepts the server's decimal string, a bare number, or `null` (no access).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = AccessAttr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal u64 in a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AccessAttr, E> {
                v.parse()
                    .map(AccessAttr)
                    .map_err(|_| E::custom(format_args!("invalid access bits {v:?}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AccessAttr, E> {
                Ok(AccessAttr(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<AccessAttr, E> {
                Ok(AccessAttr::NONE)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_bits_and_a_bad_wire_value_says_what_was_expected() {
        assert_eq!(format!("{:?}", AccessAttr::ACCESS_RO), "AccessAttr(771)");
        let err = serde_json::from_str::<AccessAttr>("true").unwrap_err();
        assert!(
            err.to_string().contains("a decimal u64 in a string"),
            "{err}"
        );
    }

    #[test]
    fn combinations_match_the_server() {
        assert_eq!(AccessAttr::ACCESS_RO.bits(), 771);
        assert_eq!(AccessAttr::ACCESS_RW.bits(), 831);
        assert_eq!(AccessAttr::CLUSTER_ACCESS_RO.bits(), 12288);
        assert_eq!(AccessAttr::CLUSTER_ACCESS_RW.bits(), 126976);
        assert_eq!(AccessAttr::BUCKET_ADMIN.bits(), 3200);
        assert_eq!(AccessAttr::ADMIN.bits(), 131072);
        assert!(!AccessAttr::ACCESS_RW.contains(AccessAttr::PROMOTE));
    }

    #[test]
    fn or_is_bitwise_not_a_sum() {
        // Python SDK releases before 2.0.0 summed: 771 + 1 = 772 grants PUT and drops GET.
        assert_eq!(
            AccessAttr::ACCESS_RO | AccessAttr::GET,
            AccessAttr::ACCESS_RO
        );
        let mut p = AccessAttr::ACCESS_RO;
        p |= AccessAttr::ACCESS_RW;
        assert_eq!(p, AccessAttr::ACCESS_RW);
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(AccessAttr::parse("").unwrap(), AccessAttr::NONE);
        assert_eq!(AccessAttr::parse("su").unwrap().bits(), u64::MAX);
        assert_eq!(AccessAttr::parse("RW").unwrap(), AccessAttr::ACCESS_RW);
        assert_eq!(
            "head-object obj_list,HEAD-BUCKET GET"
                .parse::<AccessAttr>()
                .unwrap(),
            AccessAttr::ACCESS_RO
        );
        assert_eq!(
            AccessAttr::parse("12288").unwrap(),
            AccessAttr::CLUSTER_ACCESS_RO
        );
        let e = AccessAttr::parse("ro,FLY").unwrap_err();
        assert!(
            matches!(&e, Error::InvalidArgument(m) if m.contains("\"FLY\"")),
            "{e}"
        );

        assert_eq!(AccessAttr::NONE.to_string(), "none");
        assert_eq!(AccessAttr::ACCESS_RO.to_string(), "ro");
        assert_eq!(
            AccessAttr::CLUSTER_ACCESS_RW.to_string(),
            "LIST-BUCKETS,SHOW-CLUSTER,CREATE-BUCKET,DESTROY-BUCKET,MOVE-BUCKET"
        );
        assert_eq!(
            AccessAttr::from_bits(1 << 40 | 1).to_string(),
            "GET,1099511627776"
        );
        assert_eq!(AccessAttr::from_bits(1 << 40).to_string(), "1099511627776");
        assert_eq!(
            (AccessAttr::ACCESS_RW | AccessAttr::LIST_BUCKETS).to_string(),
            "rw,LIST-BUCKETS"
        );
        assert_eq!(
            (AccessAttr::ACCESS_RO | AccessAttr::CREATE_BUCKET).to_string(),
            "ro,CREATE-BUCKET"
        );
        assert_eq!(format!("[{:<6}]", AccessAttr::ACCESS_RO), "[ro    ]");
        assert_eq!(format!("[{:>5}]", AccessAttr::NONE), "[ none]");
        // Display is for people; the wire keeps the decimal string.
        assert_eq!(
            serde_json::to_string(&AccessAttr::ACCESS_RO).unwrap(),
            r#""771""#
        );
        for bits in [
            0,
            1,
            771,
            772,
            831,
            3200,
            126976,
            262143,
            1 << 63,
            u64::MAX,
            u64::MAX - 1,
        ] {
            let p = AccessAttr::from_bits(bits);
            assert_eq!(AccessAttr::parse(&p.to_string()).unwrap(), p, "{bits}");
        }
    }

    #[test]
    fn wire_format_is_a_decimal_string() {
        assert_eq!(
            serde_json::to_string(&AccessAttr::ACCESS_RO).unwrap(),
            r#""771""#
        );
        assert_eq!(
            serde_json::to_string(&AccessAttr::ACCESS_SU).unwrap(),
            r#""18446744073709551615""#
        );
        let p: AccessAttr = serde_json::from_str(r#""831""#).unwrap();
        assert_eq!(p, AccessAttr::ACCESS_RW);
        let p: AccessAttr = serde_json::from_str("12288").unwrap();
        assert_eq!(p, AccessAttr::CLUSTER_ACCESS_RO);
        let p: AccessAttr = serde_json::from_str("null").unwrap();
        assert!(p.is_empty());
        assert!(serde_json::from_str::<AccessAttr>(r#""-1""#).is_err());
        assert!(serde_json::from_str::<AccessAttr>(r#""ro""#).is_err());
    }
}
