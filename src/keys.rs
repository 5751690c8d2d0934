//! The key that seals mentors' Slack tokens, as the wiring loads it, and `officehours keys`.
//!
//! Losing the key loses every stored token, so a key is only ever made for a database that holds
//! none: `serve` refuses to start when tokens are stored and the key is missing or does not open
//! every one of them, and says how to recover. `keys rotate` re-seals them all under the current
//! key (or, with a key file, a new one) in one transaction; `keys forget-tokens` is the explicit
//! way to give up the ones no key opens, telling each of those mentors to connect again.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

use crate::config::{normalize_api_url, CommonArgs, KeysCommand, ServeArgs, ServeConfig};
use crate::crypto::{self, TokenCipher};
use crate::ports::slack::SlackApi;
use crate::secret::Secret;
use crate::store::presence::{Resealed, Resealing, SealedToken};
use crate::store::{self, Store};
use crate::views::{Block, Message};

const KEY_VAR: &str = "OFFICEHOURS_SECRET_KEY";
const OLD_VAR: &str = "OFFICEHOURS_SECRET_KEY_OLD";
/// Why a forgotten token's pending status changes were cancelled (seen in `reminders`).
const FORGOTTEN: &str = "token forgotten: no configured key opened it";
/// Why a workspace whose bot token was forgotten had its pending work cancelled.
const BOT_FORGOTTEN: &str =
    "the workspace's bot token was forgotten (no configured key opened it): uninstalled until the app is installed again";

/// Where the key is configured: the variables, else a key file beside a SQLite database.
pub struct KeySource<'a> {
    pub database_url: &'a str,
    pub key: Option<&'a Secret>,
    pub old: Option<&'a Secret>,
}

impl<'a> KeySource<'a> {
    pub fn of(config: &'a ServeConfig) -> Self {
        Self {
            database_url: &config.database_url,
            key: config.secret_key.as_ref(),
            old: config.secret_key_old.as_ref(),
        }
    }
}

/// Where the loaded key came from, to say which key failed and how to put it back.
enum Origin {
    Variable {
        with_old: bool,
    },
    File(PathBuf),
    MissingFile(PathBuf),
    /// No variable, and no key file possible (PostgreSQL, in-memory SQLite).
    Nowhere,
}

/// The key `serve` seals and opens tokens with, checked by opening every stored token. Refuses,
/// saying what happened and how to recover, when tokens are stored and the key is missing or
/// opens not all of them; makes a key file only for a database that holds no tokens.
pub async fn serve_cipher(
    store: &dyn Store,
    source: &KeySource<'_>,
) -> anyhow::Result<Option<TokenCipher>> {
    let mut tokens = store
        .sealed_tokens()
        .await
        .context("reading the stored Slack user tokens")?;
    tokens.retain(|token| !is_pretend(token));
    let bot_tokens = store
        .sealed_bot_tokens()
        .await
        .context("reading the installed workspaces' bot tokens")?;
    let (cipher, origin) = load(source, tokens.is_empty() && bot_tokens.is_empty())?;
    let unopened = tokens
        .iter()
        .filter(|token| !opens(cipher.as_ref(), token))
        .count();
    if unopened > 0 {
        bail!(refusal(&origin, unopened, tokens.len()));
    }
    let unopened = bot_tokens
        .iter()
        .filter(|token| !opens(cipher.as_ref(), token))
        .count();
    if unopened > 0 {
        bail!(
            "{unopened} of {} installed workspaces' bot tokens do not open with the configured key: \
             set {KEY_VAR} (or put back the key file) to the key they were sealed with",
            bot_tokens.len()
        );
    }
    if cipher.is_none() {
        tracing::warn!("{KEY_VAR} is not set, so mentors cannot connect their Slack status");
    }
    Ok(cipher)
}

/// The configured key (with the old one, while rotating). With neither variable set, a SQLite
/// database's key file is read, or made when `may_create` (a database without tokens).
fn load(source: &KeySource<'_>, may_create: bool) -> anyhow::Result<(Option<TokenCipher>, Origin)> {
    if let Some(key) = source.key {
        let mut cipher = TokenCipher::from_key_text(key.expose())?;
        if let Some(old) = source.old {
            cipher = cipher.with_old(&TokenCipher::from_named_key_text(old.expose(), OLD_VAR)?);
        }
        let with_old = source.old.is_some();
        return Ok((Some(cipher), Origin::Variable { with_old }));
    }
    if source.old.is_some() {
        bail!("{OLD_VAR} is set but {KEY_VAR} is not: the old key only helps while {KEY_VAR} holds the new one");
    }
    let Some(path) = crypto::key_file_for(source.database_url) else {
        return Ok((None, Origin::Nowhere));
    };
    let key_file = || format!("the key file {}", path.display());
    if let Some(cipher) = TokenCipher::open_key_file(&path).with_context(key_file)? {
        return Ok((Some(cipher), Origin::File(path)));
    }
    if !may_create {
        return Ok((None, Origin::MissingFile(path)));
    }
    let (cipher, created) = TokenCipher::from_key_file(&path).with_context(key_file)?;
    if created {
        tracing::info!(path = %path.display(), "created the key that encrypts Slack user tokens; back it up, apart from the database");
    }
    Ok((Some(cipher), Origin::File(path)))
}

/// The token opens, and so does its refresh token if it rotates (a token that can't be renewed
/// is lost within 12 hours all the same).
fn opens(cipher: Option<&TokenCipher>, token: &SealedToken) -> bool {
    let open = |sealed: &str, owner: &str| {
        cipher.is_some_and(|cipher| cipher.decrypt(sealed, owner).map(Zeroizing::new).is_ok())
    };
    open(&token.token_sealed, &owner(token))
        && token.refresh_sealed.as_deref().is_none_or(|refresh| {
            open(
                refresh,
                &crypto::refresh_owner(&token.team_id, &token.user_id),
            )
        })
}

/// A token the shell's stand-in for Slack made up for its pretend workspace: sealed under the
/// shell's own key, never used by `serve`, so no key of a deployment needs to open it.
fn is_pretend(token: &SealedToken) -> bool {
    token.team_id == crate::config::SHELL_TEAM
}

fn owner(token: &SealedToken) -> String {
    crypto::token_owner(&token.team_id, &token.user_id)
}

/// Where a rotation keeps the new key until the tokens are sealed under it: `officehours.key.new`.
fn pending_key_file(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// "1 Slack user token", "2 Slack user tokens".
fn tokens(n: impl TryInto<usize>) -> String {
    crate::views::replies::counted(
        n.try_into().unwrap_or(usize::MAX),
        "Slack user token",
        "Slack user tokens",
    )
}

fn refusal(origin: &Origin, unopened: usize, total: usize) -> String {
    let tokens = tokens(total);
    // The words that agree with the count: one token "is", "does not", "was sealed".
    let (are, them, they_were) = if total == 1 {
        ("is", "it", "it was")
    } else {
        ("are", "them", "they were")
    };
    let do_not = if unopened == 1 { "does not" } else { "do not" };
    let (what, restore) = match origin {
        Origin::MissingFile(path) => (
            format!("the key file {} is missing, but {tokens} {are} stored sealed with the key it held. A new key would not open {them}, so none was made.", path.display()),
            format!("put {} back from your backup (mode 0600), or set {KEY_VAR} to the key it held", path.display()),
        ),
        Origin::File(path) => (
            format!("{unopened} of {tokens} stored {do_not} open with the key in {}: it is not the key {they_were} sealed with.", path.display()),
            format!("put the key file {they_were} sealed with back at {} (mode 0600), or set {KEY_VAR} to that key", path.display()),
        ),
        Origin::Variable { with_old } => (
            format!(
                "{unopened} of {tokens} stored {do_not} open with {KEY_VAR}{}: it is not the key {they_were} sealed with.",
                if *with_old { format!(" or {OLD_VAR}") } else { String::new() }
            ),
            format!("set {KEY_VAR} to the key {they_were} sealed with (while rotating, {KEY_VAR} to the new key and {OLD_VAR} to the previous one)"),
        ),
        Origin::Nowhere => (
            format!("{KEY_VAR} is not set, but {tokens} {are} stored sealed with a key."),
            format!("set {KEY_VAR} to the key {they_were} sealed with"),
        ),
    };
    let interrupted = match origin {
        Origin::File(path) | Origin::MissingFile(path) if pending_key_file(path).exists() => format!(
            "\n{} exists: a key rotation was interrupted. Run `officehours keys rotate` again to finish it.",
            pending_key_file(path).display()
        ),
        _ => String::new(),
    };
    format!(
        "officehours will not start: {what}{interrupted}\nTo recover, either\n  \
         - {restore}, and start again; or\n  \
         - give those tokens up: run `officehours keys forget-tokens`. It deletes the tokens that \
         no configured key opens and sends each of those mentors a DM asking them to run \
         /officehours connect again."
    )
}

/// `officehours keys …`: prints what was done; an error when something was not.
pub async fn run(action: KeysCommand, common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<()> {
    use tracing::Instrument as _;
    run_keys(action, common, args)
        .instrument(tracing::info_span!("keys", action = ?action))
        .await
}

async fn run_keys(
    action: KeysCommand,
    common: &CommonArgs,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    let present = |s: &Option<Secret>| s.clone().filter(|s| !s.is_empty());
    let (key, old) = (present(&args.secret_key), present(&args.secret_key_old));
    let source = KeySource {
        database_url: &common.database_url,
        key: key.as_ref(),
        old: old.as_ref(),
    };
    let messengers = match action {
        KeysCommand::ForgetTokens => Some(Messengers::of(args)?),
        KeysCommand::Rotate => None,
    };
    let store = store::connect(&common.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database at {}",
                store::redact_url(&common.database_url)
            )
        })?;
    let done = match &messengers {
        Some(messengers) => forget_tokens(&*store, messengers, &source, chrono::Utc::now()).await,
        None => rotate(&*store, &source).await,
    };
    store.close().await;
    done
}

/// Re-seals every token under the current key. With a key file, the current key is a new one,
/// kept in `officehours.key.new` until the tokens are sealed under it and then moved over the
/// old file; run again after a crash, it picks up that same new key and finishes.
async fn rotate(store: &dyn Store, source: &KeySource<'_>) -> anyhow::Result<()> {
    let (opener, origin) = load(source, false)?;
    let (opener, path) = match (opener, origin) {
        (Some(opener), Origin::Variable { .. }) => (opener, None),
        (Some(current), Origin::File(path)) => (current, Some(path)),
        (None, Origin::MissingFile(path)) => bail!(
            "the key file {} does not exist, so there is no key to rotate from; see `officehours serve` for how to recover",
            path.display()
        ),
        _ => bail!("there is no key to rotate: set {KEY_VAR} (the same on every replica)"),
    };
    let Some(path) = path else {
        let sealer =
            TokenCipher::from_key_text(source.key.map(Secret::expose).unwrap_or_default())?;
        let n = reseal(store, &opener, &sealer).await?;
        println!(
            "Re-sealed {} under {KEY_VAR}. {} with it alone now: remove {OLD_VAR} from every replica.",
            tokens(n),
            if n == 1 { "It opens" } else { "They open" }
        );
        return Ok(());
    };
    let pending = pending_key_file(&path);
    let (new, _) = TokenCipher::from_key_file(&pending)
        .with_context(|| format!("the new key file {}", pending.display()))?;
    let n = reseal(store, &new.clone().with_old(&opener), &new).await?;
    install(&pending, &path)?;
    println!(
        "Re-sealed {} under a new key, now in {} (mode 0600). Back it up in place of the old one, which {} any more.",
        tokens(n),
        path.display(),
        if n == 1 { "does not open it" } else { "opens none of them" }
    );
    Ok(())
}

async fn reseal(
    store: &dyn Store,
    opener: &TokenCipher,
    sealer: &TokenCipher,
) -> anyhow::Result<u64> {
    let again = |sealed: &str, owner: &str| {
        let plain = Zeroizing::new(opener.decrypt(sealed, owner).ok()?);
        Some(sealer.encrypt(&plain, owner))
    };
    let reseal = |token: &SealedToken| {
        if is_pretend(token) {
            return Some(Resealing {
                token_sealed: token.token_sealed.clone(),
                refresh_sealed: token.refresh_sealed.clone(),
            });
        }
        let refresh_sealed = match &token.refresh_sealed {
            Some(refresh) => Some(again(
                refresh,
                &crypto::refresh_owner(&token.team_id, &token.user_id),
            )?),
            None => None,
        };
        Some(Resealing {
            token_sealed: again(&token.token_sealed, &owner(token))?,
            refresh_sealed,
        })
    };
    // Installed workspaces' bot tokens first: a crash after them leaves every token opening with
    // the old and new keys together, and running the rotation again finishes it.
    match store.reseal_bot_tokens(&reseal).await? {
        Resealed::Done(n) if n > 0 => println!(
            "Re-sealed {}.",
            crate::views::replies::counted(
                n as usize,
                "workspace bot token",
                "workspace bot tokens"
            )
        ),
        Resealed::Done(_) => {}
        Resealed::Unopened(tokens) => bail!(
            "{} open with no configured key, so nothing was re-sealed.",
            crate::views::replies::counted(
                tokens.len(),
                "installed workspace's bot token",
                "installed workspaces' bot tokens"
            )
        ),
    }
    let outcome = store.reseal_tokens(&reseal).await?;
    match outcome {
        Resealed::Done(n) => Ok(n),
        Resealed::Unopened(tokens_left) => bail!(
            "{} with no configured key, so nothing was re-sealed. \
             Give {} up first with `officehours keys forget-tokens` (with the same keys set), then rotate again.",
            crate::views::replies::counted(
                tokens_left.len(),
                "stored Slack user token opens",
                "stored Slack user tokens open"
            ),
            if tokens_left.len() == 1 { "it" } else { "them" }
        ),
    }
}

/// Moves the new key file over the old one; the rename is atomic, and the directory is synced
/// so that the move survives a crash.
fn install(pending: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::rename(pending, path).with_context(|| {
        format!(
            "the tokens are sealed under the key in {}, but it could not be moved to {}; move it there yourself",
            pending.display(),
            path.display()
        )
    })?;
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing {}", dir.display()))?;
    }
    Ok(())
}

/// Who tells the mentors whose tokens are forgotten: the one bot of single-token mode
/// (`SLACK_BOT_TOKEN`), or each installed workspace's own bot, where its token still opens.
enum Messengers {
    Single(Arc<dyn SlackApi>),
    PerWorkspace { api_url: String },
}

impl Messengers {
    fn of(args: &ServeArgs) -> anyhow::Result<Self> {
        let api_url = normalize_api_url(&args.slack_api_url);
        Ok(
            match args.slack_bot_token.clone().filter(|t| !t.is_empty()) {
                Some(token) => Self::Single(Arc::new(crate::slack::api::SlackWebApi::new(
                    &api_url, &token,
                )?)),
                None => Self::PerWorkspace { api_url },
            },
        )
    }

    /// Checked before anything is deleted: a mentor who is not told would never know.
    async fn check(&self, store: &dyn Store) -> anyhow::Result<()> {
        match self {
            Self::Single(slack) => {
                slack.auth_test().await.map_err(|e| {
                    anyhow::anyhow!("Slack refused SLACK_BOT_TOKEN ({e}); nothing was deleted")
                })?;
            }
            // No installed workspace: a single-token deployment run without its token.
            Self::PerWorkspace { .. } if store.sealed_bot_tokens().await?.is_empty() => bail!(
                "`keys forget-tokens` tells each mentor by DM: set SLACK_BOT_TOKEN (no workspace installed the bot, so none of theirs can)"
            ),
            Self::PerWorkspace { .. } => {}
        }
        Ok(())
    }

    /// The bot of `team_id`, if there is one to send with.
    async fn bot_of(
        &self,
        store: &dyn Store,
        cipher: Option<&TokenCipher>,
        team_id: &str,
    ) -> Option<Arc<dyn SlackApi>> {
        let api_url = match self {
            Self::Single(slack) => return Some(slack.clone()),
            Self::PerWorkspace { api_url } => api_url,
        };
        let workspace = store.workspace(team_id).await.ok()??;
        if workspace.uninstalled_at.is_some() {
            return None;
        }
        let owner = crypto::token_owner(team_id, crate::store::installs::BOT);
        let token = Zeroizing::new(cipher?.decrypt(&workspace.token_sealed, &owner).ok()?);
        let slack = crate::slack::api::SlackWebApi::new(api_url, &Secret::new(token.as_str()));
        Some(Arc::new(slack.ok()?))
    }
}

/// Installed workspaces' bot tokens that no configured key opens: each workspace is stopped as
/// if the app were removed (its data kept for `UNINSTALL_RETENTION`), and installing the app
/// again brings it back with a new token. No one there can be told by the bot: they are named.
async fn forget_bot_tokens(
    store: &dyn Store,
    cipher: Option<&TokenCipher>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let forgotten = store
        .forget_bot_tokens(&|token| !opens(cipher, token), BOT_FORGOTTEN, now)
        .await?;
    if forgotten.is_empty() {
        return Ok(());
    }
    let teams: Vec<&str> = forgotten.iter().map(|t| t.team_id.as_str()).collect();
    println!(
        "Forgot {} that no configured key opens ({}): {} stopped as if the app had been removed, \
         with {} data kept for UNINSTALL_RETENTION. Ask an admin there to add the app to Slack again.",
        crate::views::replies::counted(forgotten.len(), "workspace bot token", "workspace bot tokens"),
        teams.join(", "),
        if forgotten.len() == 1 { "that workspace is" } else { "those workspaces are" },
        if forgotten.len() == 1 { "its" } else { "their" },
    );
    Ok(())
}

/// Deletes the tokens no configured key opens (with the status changes that needed them, in one
/// transaction), then DMs each of those mentors. A DM that fails is named, and makes this an
/// error; the tokens stay deleted.
async fn forget_tokens(
    store: &dyn Store,
    messengers: &Messengers,
    source: &KeySource<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    messengers.check(store).await?;
    let (cipher, _) = load(source, false)?;
    forget_bot_tokens(store, cipher.as_ref(), now).await?;
    let forgotten = store
        .forget_tokens(
            &|token| {
                (!is_pretend(token) && !opens(cipher.as_ref(), token)).then(|| {
                    crate::presence::token_reminder_prefixes(&token.team_id, &token.user_id)
                })
            },
            FORGOTTEN,
            now,
        )
        .await?;
    if forgotten.is_empty() {
        println!("Nothing to forget: every stored Slack user token opens with the configured key.");
        return Ok(());
    }
    println!(
        "Forgot {} that no configured key opens, and cancelled the pending status changes that needed {}.",
        tokens(forgotten.len()),
        if forgotten.len() == 1 { "it" } else { "them" }
    );
    let mut failed = 0;
    for token in &forgotten {
        let told = match messengers
            .bot_of(store, cipher.as_ref(), &token.team_id)
            .await
        {
            Some(slack) => tell_to_reconnect(&*slack, &token.user_id).await,
            None => Err(crate::ports::slack::SlackError::Api(
                "the workspace's bot token is gone too".to_owned(),
            )),
        };
        if let Err(err) = told {
            failed += 1;
            tracing::warn!(error = %err, slack.team_id = %token.team_id, slack.user_id = %token.user_id, "could not DM a mentor whose token was forgotten");
            eprintln!(
                "Could not DM {} in {} ({err}): ask them yourself to run /officehours connect.",
                token.user_id, token.team_id
            );
        }
    }
    println!(
        "Told {} by DM to run /officehours connect again.",
        crate::views::replies::counted(forgotten.len() - failed, "mentor", "mentors")
    );
    if failed > 0 {
        bail!("{failed} of {} DMs could not be sent (listed above); their tokens are deleted all the same", forgotten.len());
    }
    Ok(())
}

async fn tell_to_reconnect(
    slack: &dyn SlackApi,
    user_id: &str,
) -> Result<(), crate::ports::slack::SlackError> {
    let channel = slack.open_conversation(&[user_id.to_owned()]).await?;
    let message = Message {
        fallback: "Please connect your Slack status again".to_owned(),
        blocks: vec![
            Block::text(":electric_plug: I can no longer show your office hours in your Slack status: the key that protected your connection was lost or replaced, so the connection was deleted."),
            Block::context("Run `/officehours connect` to connect again. Your office hours work as before either way."),
        ],
    };
    slack.post_message(&channel, &message, None).await?;
    Ok(())
}
