"""What each refusal of a proof says to the author: what went wrong and what to do."""

from __future__ import annotations

from proofs.verify import MAX_MESSAGE_BYTES, Problem

LIMIT_MB = MAX_MESSAGE_BYTES // (1024 * 1024)

MESSAGES: dict[Problem, str] = {
    Problem.empty: "Choose a saved message (.eml) or paste its source.",
    Problem.too_large: (
        f"That message is larger than {LIMIT_MB} MB. Save the employer's message without its "
        "attachments (forwarding loses the signature), or paste its source."
    ),
    Problem.not_email: (
        "That doesn't look like a saved email. Use Gmail's “Download message” or Outlook's "
        "“Download” (an .eml file), or paste the whole source from “Show original”."
    ),
    Problem.unsigned: (
        "This message carries no DKIM signature, so it can't show who sent it. A message you "
        "forwarded to yourself loses the signature: save the employer's original instead."
    ),
    Problem.key_gone: (
        "The employer's mail server no longer publishes the key this message was signed with. "
        "Mail servers change their keys from time to time, so an older message may no longer "
        "verify: try a more recent message from them."
    ),
    Problem.expired: (
        "This message's signature has expired (its sender limits how long it verifies). Try a "
        "more recent message from the employer."
    ),
    Problem.tampered: (
        "The signature doesn't match this message: it was changed after it was sent (even a "
        "forward or an edit does that). Save the employer's original message again, unchanged."
    ),
    Problem.dns: (
        "We could not check the signature now: the employer's mail server didn't answer in "
        "time. Your review is saved. Try again later."
    ),
    Problem.message_id_unsigned: (
        "This message's signature doesn't cover its Message-ID, so we can't tell it from a copy. "
        "Try another message from the employer."
    ),
    Problem.wrong_domain: (
        "This message wasn't signed by the employer's own mail domain or by a hiring system we "
        "know, so it doesn't show contact with this employer."
    ),
    Problem.free_mail: (
        "This message was sent from a free email service: anyone can have an address there, so "
        "it can't show contact with an employer."
    ),
    Problem.employer_not_named: (
        "This message came through a hiring system, but doesn't name this employer in its "
        "sender, reply address or subject. Try a message that names them."
    ),
    Problem.no_date: "This message has no readable date, so we can't place it in your process.",
    Problem.date_out_of_range: (
        "This message was sent outside the months of your review's process (from the month it "
        "began to the month of the last contact, a month either side). Choose a message from "
        "this process, or correct the months in your review."
    ),
    Problem.unusual_key: (
        "This message is signed with a key whose name we rarely see. Checking it asks the "
        "employer's mail domain for that key, and an employer that gives each candidate's email "
        "a key name of its own could see that your message was checked. If you accept that, "
        "tick “Check it anyway” and choose the message again; otherwise try another message, or "
        "keep your review without a proof."
    ),
    Problem.reused: (
        "This message already proves another review, and one message can prove only one. If "
        "you think this is a mistake, write to us."
    ),
}
