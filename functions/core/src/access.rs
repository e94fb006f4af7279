//! Who may do what on a thread: roles, members, invites, and the one access rule
//! ([`authorize`]). Pure: the shell hashes tokens, picks ids and the clock, and commits.

use crate::snapshot::ThreadSnapshot;
use serde::{Deserialize, Serialize};

/// A principal's role on a thread. Ordered: each role may do what the ones below it may.
/// (`ThreadRole` in TypeScript: `Role` there is a scenario's accessible role.)
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ThreadRole"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Owner,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        })
    }
}

/// What a request does to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Follow,
    Download,
    SendMessage,
    Answer,
    Restore,
    Publish,
    /// Emptying the app's preview data space (every user's records in it).
    ResetPreviewData,
    ManageMembers,
}

impl Action {
    /// The least role that may do this.
    pub fn needs(self) -> Role {
        match self {
            Action::Read | Action::Follow | Action::Download => Role::Viewer,
            Action::SendMessage
            | Action::Answer
            | Action::Restore
            | Action::Publish
            | Action::ResetPreviewData => Role::Editor,
            Action::ManageMembers => Role::Owner,
        }
    }
}

/// A principal the owner let in (the owner is `ThreadSnapshot::owner`, not a member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub principal: String,
    pub role: Role,
    pub added_at: i64,
}

/// An invitation link. Only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub id: String,
    pub token_hash: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
    /// A multi-use link admits anyone until it expires or is revoked.
    #[serde(default)]
    pub multi_use: bool,
    #[serde(default)]
    pub revoked: bool,
    /// Who accepted it.
    #[serde(default)]
    pub accepted_by: Vec<String>,
}

/// How long an invite link holds: 7 days.
pub const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Members a thread may hold.
pub const MAX_MEMBERS: usize = 50;

/// Why the rule refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Not a member: told the thread does not exist (404).
    #[error("thread not found")]
    NotFound,
    /// A member whose role is too low (403).
    #[error("your role on this thread is {has}; this needs {needs}")]
    Forbidden { has: Role, needs: Role },
}

/// Why a membership change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("invite not found")]
    InviteNotFound,
    #[error("this invite expired; ask the owner for a new link")]
    InviteExpired,
    #[error("this invite was revoked; ask the owner for a new link")]
    InviteRevoked,
    #[error("this invite was already used; ask the owner for a new link")]
    InviteUsed,
    #[error("{0} is not a member of this thread")]
    MemberNotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// A run is going on; membership changes wait for it (steps commit with If-Match).
    #[error("run {0} is in progress on this thread; try again when it ends")]
    Busy(String),
}

impl ThreadSnapshot {
    /// `principal`'s role on this thread, if any.
    pub fn role_of(&self, principal: &str) -> Option<Role> {
        if self.owner == principal {
            return Some(Role::Owner);
        }
        self.members
            .iter()
            .find(|m| m.principal == principal)
            .map(|m| m.role)
    }

    /// Everyone with a role: the owner first, then the members.
    pub fn principals(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.owner.as_str())
            .chain(self.members.iter().map(|m| m.principal.as_str()))
    }
}

/// The one access rule: whether `principal` may do `action` on this thread, and as what role.
pub fn authorize(snap: &ThreadSnapshot, principal: &str, action: Action) -> Result<Role, Denied> {
    let has = snap.role_of(principal).ok_or(Denied::NotFound)?;
    let needs = action.needs();
    if has >= needs {
        Ok(has)
    } else {
        Err(Denied::Forbidden { has, needs })
    }
}

/// What the owner asks for when creating an invite; the shell supplies the id and secret hash.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub id: String,
    pub token_hash: String,
    pub role: Role,
    pub multi_use: bool,
    pub now: i64,
}

/// Records a new invite (owner only). An invite cannot make an owner.
pub fn create_invite(
    snap: &mut ThreadSnapshot,
    principal: &str,
    new: NewInvite,
) -> Result<Invite, MemberError> {
    authorize(snap, principal, Action::ManageMembers)?;
    if new.role == Role::Owner {
        return Err(MemberError::BadRequest(
            "an invite's role is editor or viewer".into(),
        ));
    }
    // Expired and revoked invites are dropped here, so the list stays short.
    snap.invites
        .retain(|i| !i.revoked && i.expires_at > new.now);
    let invite = Invite {
        id: new.id,
        token_hash: new.token_hash,
        role: new.role,
        created_at: new.now,
        expires_at: new.now + INVITE_TTL_MS,
        multi_use: new.multi_use,
        revoked: false,
        accepted_by: Vec::new(),
    };
    snap.invites.push(invite.clone());
    Ok(invite)
}

/// Revokes an invite (owner only).
pub fn revoke_invite(
    snap: &mut ThreadSnapshot,
    principal: &str,
    id: &str,
) -> Result<(), MemberError> {
    authorize(snap, principal, Action::ManageMembers)?;
    let invite = snap
        .invites
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or(MemberError::InviteNotFound)?;
    invite.revoked = true;
    Ok(())
}

/// `principal` accepts the invite whose secret hashes to `token_hash` and becomes a member with
/// its role. Someone who already has a role keeps it (an invite never lowers or raises it) and
/// does not use the invite up.
pub fn accept_invite(
    snap: &mut ThreadSnapshot,
    principal: &str,
    token_hash: &str,
    now: i64,
) -> Result<Role, MemberError> {
    let invite = snap
        .invites
        .iter()
        .find(|i| i.token_hash == token_hash)
        .ok_or(MemberError::InviteNotFound)?;
    if invite.revoked {
        return Err(MemberError::InviteRevoked);
    }
    if invite.expires_at <= now {
        return Err(MemberError::InviteExpired);
    }
    if let Some(role) = snap.role_of(principal) {
        return Ok(role);
    }
    if !invite.multi_use && !invite.accepted_by.is_empty() {
        return Err(MemberError::InviteUsed);
    }
    if snap.members.len() >= MAX_MEMBERS {
        return Err(MemberError::BadRequest(format!(
            "this thread has {MAX_MEMBERS} members, the most it may have"
        )));
    }
    let role = invite.role;
    if let Some(i) = snap.invites.iter_mut().find(|i| i.token_hash == token_hash) {
        i.accepted_by.push(principal.to_owned());
    }
    snap.members.push(Member {
        principal: principal.to_owned(),
        role,
        added_at: now,
    });
    Ok(role)
}

/// Changes a member's role (owner only; the owner's own role is not a member's).
pub fn set_role(
    snap: &mut ThreadSnapshot,
    principal: &str,
    member: &str,
    role: Role,
) -> Result<(), MemberError> {
    authorize(snap, principal, Action::ManageMembers)?;
    if role == Role::Owner {
        return Err(MemberError::BadRequest(
            "a member's role is editor or viewer".into(),
        ));
    }
    let m = snap
        .members
        .iter_mut()
        .find(|m| m.principal == member)
        .ok_or_else(|| MemberError::MemberNotFound(member.into()))?;
    m.role = role;
    Ok(())
}

/// Removes a member (owner only).
pub fn remove_member(
    snap: &mut ThreadSnapshot,
    principal: &str,
    member: &str,
) -> Result<(), MemberError> {
    authorize(snap, principal, Action::ManageMembers)?;
    let before = snap.members.len();
    snap.members.retain(|m| m.principal != member);
    if snap.members.len() == before {
        return Err(MemberError::MemberNotFound(member.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Action; 9] = [
        Action::Read,
        Action::Follow,
        Action::Download,
        Action::SendMessage,
        Action::Answer,
        Action::Restore,
        Action::Publish,
        Action::ResetPreviewData,
        Action::ManageMembers,
    ];

    fn thread() -> ThreadSnapshot {
        let mut s = ThreadSnapshot::new("t", "alice", 0);
        for (p, role) in [("bob", Role::Editor), ("carol", Role::Viewer)] {
            s.members.push(Member {
                principal: p.into(),
                role,
                added_at: 0,
            });
        }
        s
    }

    #[test]
    fn every_role_by_every_action() {
        let s = thread();
        for action in ALL {
            assert_eq!(
                authorize(&s, "alice", action),
                Ok(Role::Owner),
                "{action:?}"
            );
            assert_eq!(
                authorize(&s, "dave", action),
                Err(Denied::NotFound),
                "{action:?}"
            );
            let editor = !matches!(action, Action::ManageMembers);
            let viewer = matches!(action, Action::Read | Action::Follow | Action::Download);
            for (who, role, allowed) in [
                ("bob", Role::Editor, editor),
                ("carol", Role::Viewer, viewer),
            ] {
                let got = authorize(&s, who, action);
                if allowed {
                    assert_eq!(got, Ok(role), "{who} {action:?}");
                } else {
                    assert!(
                        matches!(got, Err(Denied::Forbidden { has, .. }) if has == role),
                        "{who} {action:?}: {got:?}"
                    );
                }
            }
        }
    }

    fn invite(s: &mut ThreadSnapshot, hash: &str, role: Role, multi_use: bool) -> Invite {
        let new = NewInvite {
            id: format!("i-{hash}"),
            token_hash: hash.into(),
            role,
            multi_use,
            now: 100,
        };
        create_invite(s, "alice", new).expect("owner invites")
    }

    #[test]
    fn only_the_owner_invites_and_never_as_owner() {
        let mut s = thread();
        let new = |role| NewInvite {
            id: "i".into(),
            token_hash: "h".into(),
            role,
            multi_use: false,
            now: 1,
        };
        assert!(matches!(
            create_invite(&mut s, "bob", new(Role::Viewer)),
            Err(MemberError::Denied(Denied::Forbidden { .. }))
        ));
        assert_eq!(
            create_invite(&mut s, "dave", new(Role::Viewer)),
            Err(MemberError::Denied(Denied::NotFound))
        );
        assert!(matches!(
            create_invite(&mut s, "alice", new(Role::Owner)),
            Err(MemberError::BadRequest(_))
        ));
        assert!(s.invites.is_empty());
        let i = invite(&mut s, "h", Role::Editor, false);
        assert_eq!(i.expires_at, 100 + INVITE_TTL_MS);
    }

    #[test]
    fn a_single_use_invite_admits_one_principal() {
        let mut s = thread();
        invite(&mut s, "h", Role::Editor, false);
        assert_eq!(accept_invite(&mut s, "dave", "h", 200), Ok(Role::Editor));
        assert_eq!(authorize(&s, "dave", Action::SendMessage), Ok(Role::Editor));
        assert_eq!(
            accept_invite(&mut s, "dave", "h", 201),
            Ok(Role::Editor),
            "again: no-op"
        );
        assert_eq!(
            accept_invite(&mut s, "erin", "h", 202),
            Err(MemberError::InviteUsed)
        );
        assert_eq!(s.role_of("erin"), None);
        assert_eq!(
            accept_invite(&mut s, "erin", "x", 202),
            Err(MemberError::InviteNotFound)
        );
    }

    #[test]
    fn multi_use_expiry_and_revocation() {
        let mut s = thread();
        let i = invite(&mut s, "m", Role::Viewer, true);
        assert_eq!(accept_invite(&mut s, "dave", "m", 200), Ok(Role::Viewer));
        assert_eq!(accept_invite(&mut s, "erin", "m", 200), Ok(Role::Viewer));
        assert_eq!(
            accept_invite(&mut s, "frank", "m", i.expires_at),
            Err(MemberError::InviteExpired)
        );
        assert_eq!(
            accept_invite(&mut s, "carol", "m", 200),
            Ok(Role::Viewer),
            "keeps her role"
        );
        assert!(revoke_invite(&mut s, "bob", &i.id).is_err());
        revoke_invite(&mut s, "alice", &i.id).expect("owner revokes");
        assert_eq!(
            accept_invite(&mut s, "frank", "m", 200),
            Err(MemberError::InviteRevoked)
        );
        assert_eq!(
            revoke_invite(&mut s, "alice", "nope"),
            Err(MemberError::InviteNotFound)
        );
    }

    #[test]
    fn the_owner_changes_and_removes_members() {
        let mut s = thread();
        assert!(set_role(&mut s, "bob", "carol", Role::Editor).is_err());
        set_role(&mut s, "alice", "carol", Role::Editor).expect("owner");
        assert_eq!(s.role_of("carol"), Some(Role::Editor));
        assert!(matches!(
            set_role(&mut s, "alice", "carol", Role::Owner),
            Err(MemberError::BadRequest(_))
        ));
        assert_eq!(
            set_role(&mut s, "alice", "dave", Role::Viewer),
            Err(MemberError::MemberNotFound("dave".into()))
        );
        assert!(remove_member(&mut s, "carol", "bob").is_err());
        remove_member(&mut s, "alice", "bob").expect("owner");
        assert_eq!(authorize(&s, "bob", Action::Read), Err(Denied::NotFound));
        assert!(
            remove_member(&mut s, "alice", "alice").is_err(),
            "the owner is not a member"
        );
        assert_eq!(s.principals().collect::<Vec<_>>(), ["alice", "carol"]);
    }
}
