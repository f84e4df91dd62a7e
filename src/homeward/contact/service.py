"""The contact's side of the channel: codenames, writing, reading replies, leaving.

Nothing here receives or stores an address, a user agent or a codename in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts import sessions
from homeward.audit import service as audit
from homeward.contact import blobs, names
from homeward.contact.blobs import StoredBlob
from homeward.contact.exceptions import (
    CodenameInMessage,
    CodenameRefused,
    EmptyMessage,
    MessageTooLong,
)
from homeward.contact.models import (
    FROM_CONTACT,
    FROM_DESK,
    Attachment,
    Contact,
    Conversation,
    KeyWrap,
    Message,
)
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.crypto import codename as codenames
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding

COORDINATION_DESK = "IRQ"
_CHECK_PURPOSE = "hw-codename-chk"


@dataclass(frozen=True)
class ContactKeys:
    """What a contact's session holds (encrypted in the session row): never the codename."""

    reply_private_key: bytes
    codename_check: bytes
    """Keyed hash of the codename, to refuse a message that contains it."""

    def pack(self) -> bytes:
        return self.reply_private_key + self.codename_check

    @classmethod
    def unpack(cls, packed: bytes) -> ContactKeys:
        return cls(reply_private_key=packed[:32], codename_check=packed[32:64])


@dataclass(frozen=True)
class ContactItem:
    """One line of the conversation as the contact sees it."""

    direction: str
    day: date
    text: str | None
    attachment_count: int


def _codename_check(secrets: ServerSecrets, codename: str) -> bytes:
    """Keyed hash of the codename's canonical form (its folded words): for an English codename
    as issued, the same words as before the other lists, so sessions opened before compare."""
    return sealing.keyed_hash(
        secrets.pepper, codenames.canonical(codename).encode(), _CHECK_PURPOSE
    )


def start(
    *, session: Session, secrets: ServerSecrets, cost: sealing.KdfCost, language: str = "en"
) -> tuple[str, Contact, ContactKeys]:
    """Issue a new codename from the word list of the page's language (returned once, to be
    shown once) and its contact."""
    if language not in codenames.LANGUAGES:
        raise BadInput("language", f"choose one of {', '.join(codenames.LANGUAGES)}")
    codename = codenames.generate(language)
    derived = codenames.derive(codename, secrets.pepper, cost)
    contact = Contact(
        lookup=derived.lookup,
        reply_public_key=derived.reply_public_key,
        created_on=utcnow().date(),
    )
    session.add(contact)
    session.flush()
    audit.record(
        session=session,
        actor=audit.CONTACT,
        action="contact:account:create",
        resource_type="contact",
        resource_id=contact.id,
    )
    keys = ContactKeys(derived.reply_private_key, _codename_check(secrets, codename))
    return codename, contact, keys


def sign_in(
    *, session: Session, secrets: ServerSecrets, cost: sealing.KdfCost, codename: str
) -> tuple[Contact, ContactKeys]:
    """The same work and the same answer for an unknown, a mistyped and a deleted codename. A
    codename of any list is accepted whatever the page's language: the derivation takes its
    canonical form, which names no language."""
    derived = codenames.derive(codename[:500], secrets.pepper, cost)
    contact = session.scalar(select(Contact).where(Contact.lookup == derived.lookup))
    if contact is None:
        raise CodenameRefused
    return contact, ContactKeys(derived.reply_private_key, _codename_check(secrets, codename))


def get_contact(*, session: Session, contact_id: str) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise CodenameRefused
    return contact


def own_conversation(*, session: Session, contact: Contact) -> Conversation | None:
    """The contact's own conversation. Conversations are labelled, so every query over them
    needs an officer bound; here the codename that opened the contact's session is the
    authority, so the filter is lifted for this one load and nothing else."""
    with binding.unfiltered(session, "a contact's own conversation, reached by codename"):
        return contact.conversation


def contains_codename(secrets: ServerSecrets, keys: ContactKeys, text: str) -> bool:
    """Every run of words in the text that could be a codename is hashed and compared with the
    codename's hash; the words are read past case, punctuation, hyphens, fullwidth letters,
    zero-width characters, accents and Arabic letter variants (`codename.readings`). A
    codename is as many words of one list as that list's codenames have, so a run holding a
    word of no list or of another list cannot be one and is skipped: the same answer, without
    a keyed hash (a call into libsodium that releases the GIL) for each of the ~90 runs of a
    500-character letter."""
    for words in codenames.readings(text):
        language, in_a_row = None, 0
        for end, word in enumerate(words):
            listed = codenames.language_of_word(word)
            in_a_row = in_a_row + 1 if listed is not None and listed == language else 1
            language = listed
            if language is None:
                continue
            size = codenames.words_per_codename(language)
            if in_a_row >= size:
                window = " ".join(words[end - size + 1 : end + 1])
                if sealing.equal(_codename_check(secrets, window), keys.codename_check):
                    return True
    return False


def _desk_wraps(session: Session, desk_code: str, content_key: bytes) -> KeyWrap:
    desk_key = accounts_service.current_desk_key(session=session, desk_code=desk_code)
    if desk_key is None:
        raise BadInput("desk", f"{desk_code} cannot receive messages yet (no desk key)")
    return KeyWrap(
        desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key)
    )


def write(
    *,
    session: Session,
    secrets: ServerSecrets,
    contact_id: str,
    keys: ContactKeys,
    text: str,
    desk_code: str | None,
    files: list[StoredBlob],
    max_chars: int,
    language: str | None = None,
) -> Message:
    """Store a contact's message and files, sealed to the desk that owns the conversation.
    The conversation gets its readable name when it is made (random words, nothing of the
    contact's), remembers the page language to answer in, and awaits the desk's reply from the
    first letter the desk has not answered."""
    text = text.strip()
    if not text:
        raise EmptyMessage
    if len(text) > max_chars:
        raise MessageTooLong(max_chars)
    if contains_codename(secrets, keys, text):
        raise CodenameInMessage
    contact = get_contact(session=session, contact_id=contact_id)
    conversation = own_conversation(session=session, contact=contact)
    if conversation is None:
        owner = _choose_desk(session, desk_code)
        conversation = Conversation(owner_nation=owner, name=names.random_name())
        contact.conversation = conversation
        session.flush()
    now = utcnow()
    content_key = sealing.random_bytes()
    message = Message(
        conversation_id=conversation.id,
        direction=FROM_CONTACT,
        created_at=now,
        body=sealing.encrypt(content_key, text.encode()),
    )
    message.wraps.append(_desk_wraps(session, conversation.owner_nation, content_key))
    for blob in files:
        attachment = Attachment(
            blob_name=blob.blob_name, size_bytes=blob.size_bytes, meta=blob.sealed_meta()
        )
        attachment.wraps.append(_desk_wraps(session, conversation.owner_nation, blob.key))
        message.attachments.append(attachment)
    session.add(message)
    conversation.unread = True
    conversation.message_count += 1
    conversation.last_message_at = now
    if conversation.awaiting_reply_since is None:
        conversation.awaiting_reply_since = now
    if language:
        conversation.language = language[:5]
    if files:
        conversation.has_files = True
    session.flush()
    audit.record(
        session=session,
        actor=audit.CONTACT,
        action="contact:message:create",
        resource_type="conversation",
        resource_id=conversation.id,
        nation=conversation.owner_nation,
    )
    return message


def _choose_desk(session: Session, desk_code: str | None) -> str:
    if not desk_code or desk_code == "unknown":
        return COORDINATION_DESK
    desks = {desk.code for desk in accounts_service.list_desks(session=session)}
    if desk_code not in desks:
        raise BadInput("desk", "choose one of the listed desks or 'I don't know'")
    return desk_code


def conversation_for_contact(
    *, session: Session, contact_id: str, keys: ContactKeys
) -> list[ContactItem]:
    """Own messages as 'sent on <day>' only; replies opened with the codename-derived key."""
    contact = get_contact(session=session, contact_id=contact_id)
    conversation = own_conversation(session=session, contact=contact)
    if conversation is None:
        return []
    items: list[ContactItem] = []
    for message in conversation.messages:
        text = None
        if message.direction == FROM_DESK and message.contact_sealed_key is not None:
            content_key = sealing.unseal(keys.reply_private_key, message.contact_sealed_key)
            text = sealing.decrypt(content_key, message.body).decode()
        items.append(
            ContactItem(
                direction=message.direction,
                day=message.created_at.date(),
                text=text,
                attachment_count=len(message.attachments),
            )
        )
    if any(item.direction == FROM_DESK for item in items):
        audit.record(
            session=session,
            actor=audit.CONTACT,
            action="contact:reply:read",
            resource_type="conversation",
            resource_id=conversation.id,
        )
    return items


def conversation_id_of(*, session: Session, contact_id: str) -> str | None:
    """The contact's conversation, by id: what the cases behind it note before it goes."""
    conversation = own_conversation(
        session=session, contact=get_contact(session=session, contact_id=contact_id)
    )
    return None if conversation is None else conversation.id


def delete_account(*, session: Session, contact_id: str) -> list[str]:
    """Erase the contact and everything they wrote or received; returns blob files to remove
    once the transaction has committed."""
    contact = get_contact(session=session, contact_id=contact_id)
    blob_names: list[str] = []
    conversation_id = contact.id
    conversation = own_conversation(session=session, contact=contact)
    if conversation is not None:
        conversation_id = conversation.id
        for message in conversation.messages:
            blob_names.extend(attachment.blob_name for attachment in message.attachments)
    sessions.end_all_for(session=session, subject_id=contact.id)
    session.delete(contact)
    session.flush()
    audit.record(
        session=session,
        actor=audit.CONTACT,
        action="contact:account:delete",
        resource_type="conversation",
        resource_id=conversation_id,
    )
    return blob_names


def purge_unused(*, session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Remove codenames issued long ago that never wrote: a flood leaves nothing behind."""
    cutoff = ((now or utcnow()) - older_than).date()
    unused = select(Contact.id).where(
        Contact.created_on < cutoff,
        ~select(Conversation.id).where(Conversation.contact_id == Contact.id).exists(),
    )
    ids = list(session.scalars(unused))
    if ids:
        session.execute(delete(Contact).where(Contact.id.in_(ids)))
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            action="contact:account:purge-unused",
            resource_type="contact",
            resource_id=str(len(ids)),
        )
    return len(ids)


STORED_TABLES = (
    *(model.__tablename__ for model in (Contact, Conversation, Message, Attachment, KeyWrap)),
    "web_session",  # the contact's sealed session keys (accounts.sessions)
)
"""Where a contact's values live: what `homeward purge --compact` rewrites on PostgreSQL."""

ORPHAN_AGE = timedelta(hours=1)
"""A blob file with no row is removed only this long after its last write: an upload in flight
writes its file before the message's transaction adds the row."""
_ORPHAN_CHUNK = 500


def purge_orphan_blobs(
    *,
    session: Session,
    blobs_dir: Path,
    older_than: timedelta = ORPHAN_AGE,
    now: datetime | None = None,
) -> int:
    """Remove encrypted files that no attachment row names (an upload cut off by a crash
    leaves one). Safe before the transaction commits: a file with no row is nobody's."""
    stale = blobs.older_than(blobs_dir, (now or utcnow()) - older_than)
    named: set[str] = set()
    for start in range(0, len(stale), _ORPHAN_CHUNK):
        chunk = stale[start : start + _ORPHAN_CHUNK]
        named.update(
            session.scalars(select(Attachment.blob_name).where(Attachment.blob_name.in_(chunk)))
        )
    orphans = [name for name in stale if name not in named]
    for name in orphans:
        blobs.remove(blobs_dir, name)
    if orphans:
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            action="contact:blob:purge-orphans",
            resource_type="blob",
            resource_id=str(len(orphans)),
        )
    return len(orphans)


def count_contacts(*, session: Session) -> int:
    return int(session.scalar(select(func.count(Contact.id))) or 0)
