//! The Rust implementations' timed loops, one per process (`--worker IMPL`: `sdk`,
//! `jwt-aws-lc`, `jwt-rust-crypto`, `jwt9-ring`): the verifier is made once from the key, then
//! the same token is verified in a loop on one thread and every result checked. Prints one
//! JSON line, as the Go peer does.

use std::time::{Duration, Instant};

use aistore_authn::{BucketAcl, ClusterAcl, Verifier};
use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::fixtures::{self, Fixture};
use crate::{Res, WorkerArgs};

/// This process's user + system CPU time so far: getrusage, as the Go peer reads it.
#[allow(unsafe_code)]
pub(crate) fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one rusage into the zeroed struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// The claims as AuthN writes them, for `jsonwebtoken` 12 and 9 (the ACLs with the SDK's own types,
/// so both Rust implementations decode the same data into the same structures).
#[derive(Deserialize)]
#[allow(dead_code)] // decoded, as a service would, then only sub and clusters are read
struct AuthnClaims {
    sub: String,
    #[serde(default)]
    iss: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    aud: Vec<String>,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    clusters: Option<Vec<ClusterAcl>>,
    #[serde(default)]
    buckets: Option<Vec<BucketAcl>>,
}

/// One verification of the fixture's token, its result checked.
type Verify = Box<dyn FnMut() -> Res<()>>;

fn sdk(f: &Fixture, alg: &str) -> Res<Verify> {
    let verifier = match alg {
        "hs256" => Verifier::hmac(&f.key)?,
        _ => Verifier::rsa_public_key_pem(&f.key)?,
    };
    let (token, subject) = (f.token.clone(), f.subject.clone());
    Ok(Box::new(move || {
        let verified = verifier.verify(std::hint::black_box(&token))?;
        if verified.subject() != subject || verified.claims().clusters.is_empty() {
            return Err("the SDK returned other claims".into());
        }
        Ok(())
    }))
}

/// `jsonwebtoken` 12 with the crypto backend `provider` (aws-lc-rs or RustCrypto), installed
/// for this process before the key is made.
fn jsonwebtoken12(f: &Fixture, alg: &str, provider: &'static CryptoProvider) -> Res<Verify> {
    provider
        .install_default()
        .map_err(|_| "a jsonwebtoken CryptoProvider was already installed")?;
    let (key, algorithm) = match alg {
        "hs256" => (
            DecodingKey::from_secret(f.key.as_bytes())?,
            Algorithm::HS256,
        ),
        _ => (
            DecodingKey::from_rsa_pem(f.key.as_bytes())?,
            Algorithm::RS256,
        ),
    };
    // As AIStore and the SDK check: the one algorithm, `exp` required, no leeway; the
    // audience not checked (jsonwebtoken refuses a token with an `aud` otherwise).
    let mut validation = Validation::new(algorithm);
    validation.leeway = 0;
    validation.validate_aud = false;
    let (token, subject) = (f.token.clone(), f.subject.clone());
    Ok(Box::new(move || {
        let data =
            jsonwebtoken::decode::<AuthnClaims>(std::hint::black_box(&token), &key, &validation)?;
        if data.claims.sub != subject || data.claims.clusters.is_none_or(|c| c.is_empty()) {
            return Err("jsonwebtoken returned other claims".into());
        }
        Ok(())
    }))
}

/// `jsonwebtoken` 9, on ring 0.17 as the SDK: configured as `jsonwebtoken12`.
fn jsonwebtoken9(f: &Fixture, alg: &str) -> Res<Verify> {
    use jsonwebtoken9::{Algorithm, DecodingKey, Validation};
    let (key, algorithm) = match alg {
        "hs256" => (DecodingKey::from_secret(f.key.as_bytes()), Algorithm::HS256),
        _ => (
            DecodingKey::from_rsa_pem(f.key.as_bytes())?,
            Algorithm::RS256,
        ),
    };
    let mut validation = Validation::new(algorithm);
    validation.leeway = 0;
    validation.validate_aud = false;
    let (token, subject) = (f.token.clone(), f.subject.clone());
    Ok(Box::new(move || {
        let data =
            jsonwebtoken9::decode::<AuthnClaims>(std::hint::black_box(&token), &key, &validation)?;
        if data.claims.sub != subject || data.claims.clusters.is_none_or(|c| c.is_empty()) {
            return Err("jsonwebtoken 9 returned other claims".into());
        }
        Ok(())
    }))
}

/// `--worker IMPL`: the timed loop; prints `{"impl", "alg", "iters", "elapsed_s", "cpu_s"}`.
pub(crate) fn run(w: &WorkerArgs) -> Res<()> {
    let all = fixtures::read(&w.fixtures)?;
    let f = all.get(&w.alg).ok_or("no such fixture")?;
    let mut verify = match w.implementation.as_str() {
        "sdk" => sdk(f, &w.alg)?,
        "jwt-aws-lc" => jsonwebtoken12(f, &w.alg, &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)?,
        "jwt-rust-crypto" => jsonwebtoken12(
            f,
            &w.alg,
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        )?,
        "jwt9-ring" => jsonwebtoken9(f, &w.alg)?,
        other => return Err(format!("unknown worker {other}").into()),
    };
    for _ in 0..w.warmup {
        verify()?;
    }
    let budget = Duration::from_secs_f64(w.budget);
    let mut iters = 0u64;
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    // The clock is read every 16 verifications, as the Go peer does.
    while iters < w.max_iters && start.elapsed() < budget {
        for _ in 0..16 {
            if iters == w.max_iters {
                break;
            }
            verify()?;
            iters += 1;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    println!(
        "{}",
        json!({"impl": w.implementation, "alg": w.alg, "iters": iters,
               "elapsed_s": elapsed, "cpu_s": cpu_s})
    );
    Ok(())
}
