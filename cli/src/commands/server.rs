//! The server's keys and public endpoints: `rotate-key`, `show oidc`, `show jwks`,
//! `show public-key`.

use serde_json::json;

use super::Ctx;
use crate::output;
use crate::Failure;

pub(super) fn rotate_key(ctx: &Ctx) -> Result<(), Failure> {
    ctx.logged_in()?.server_manager().rotate_key()?;
    if ctx.json {
        output::json(&json!({"rotated": true}));
    } else {
        output::line("Key rotated successfully");
    }
    Ok(())
}

pub(super) fn show_oidc(ctx: &Ctx) -> Result<(), Failure> {
    let oidc = ctx.anonymous()?.server_manager().oidc_configuration()?;
    let value = serde_json::to_value(&oidc).map_err(|e| Failure::failed(e.to_string()))?;
    if ctx.json {
        output::json(&value);
    } else {
        let rows: Vec<Vec<String>> = output::flatten(&value)
            .into_iter()
            .map(|(n, v)| vec![n, v])
            .collect();
        ctx.table(&["PROPERTY", "VALUE"], &rows);
    }
    Ok(())
}

pub(super) fn show_jwks(ctx: &Ctx) -> Result<(), Failure> {
    let jwks = ctx.anonymous()?.server_manager().jwks()?;
    if ctx.json {
        return ctx.print_json(&jwks);
    }
    let rows: Vec<Vec<String>> = jwks
        .keys
        .iter()
        .map(|k| {
            vec![
                k.kid.clone(),
                k.kty.clone(),
                k.alg.clone().unwrap_or_default(),
                k.e.clone(),
                format!("{} bits", k.n.len() * 6 / 8 * 8),
            ]
        })
        .collect();
    ctx.table(&["KID", "KTY", "ALG", "E", "N (SIZE)"], &rows);
    Ok(())
}

pub(super) fn show_public_key(ctx: &Ctx) -> Result<(), Failure> {
    let pem = ctx.anonymous()?.server_manager().public_key()?;
    if ctx.json {
        output::json(&json!({"public_key": pem}));
    } else {
        output::line(pem.trim_end());
    }
    Ok(())
}
