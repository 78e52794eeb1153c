#!/usr/bin/env python3
"""Writes the conformance vectors of the interaction messages (hand.*, floor.*, chat.*, poll.*,
share.*, signal) into vectors/control/: at least one valid and one invalid input per type.

    python3 Protocols/vectors/make_interaction.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# (file name, input object or raw text, expected: ("ok", type) | ("error", code), request id or None)
CASES = [
    ("hand-raise-minimal", {"type": "hand.raise"}, ("ok", "hand.raise"), None),
    ("hand-raise-question", {"type": "hand.raise", "id": "h1", "question": "Why does ice float?"}, ("ok", "hand.raise"), "h1"),
    ("hand-raise-named-student", {"type": "hand.raise", "student_name": "Aigerim", "question": "Бұл не?"}, ("ok", "hand.raise"), None),
    ("hand-raise-null-fields", {"type": "hand.raise", "student_name": None, "question": None}, ("ok", "hand.raise"), None),
    ("hand-raise-question-number", {"type": "hand.raise", "id": "h2", "question": 5}, ("error", "invalid_field"), "h2"),
    ("hand-raise-student-name-bool", {"type": "hand.raise", "student_name": True}, ("error", "invalid_field"), None),
    ("hand-lower-all", {"type": "hand.lower"}, ("ok", "hand.lower"), None),
    ("hand-lower-one", {"type": "hand.lower", "hand_id": "h3"}, ("ok", "hand.lower"), None),
    ("hand-lower-id-empty", {"type": "hand.lower", "hand_id": ""}, ("error", "invalid_field"), None),
    ("hand-lower-id-space", {"type": "hand.lower", "id": "l1", "hand_id": "h 3"}, ("error", "invalid_field"), "l1"),
    ("hand-dismiss", {"type": "hand.dismiss", "hand_id": "h1"}, ("ok", "hand.dismiss"), None),
    ("hand-dismiss-id-missing", {"type": "hand.dismiss", "id": "d1"}, ("error", "invalid_field"), "d1"),
    ("hand-dismiss-id-number", {"type": "hand.dismiss", "hand_id": 1}, ("error", "invalid_field"), None),
    ("hand-dismiss-all", {"type": "hand.dismiss_all"}, ("ok", "hand.dismiss_all"), None),
    ("hand-dismiss-all-classroom", {"type": "hand.dismiss_all", "classroom_id": "c1"}, ("ok", "hand.dismiss_all"), None),
    ("hand-dismiss-all-classroom-number", {"type": "hand.dismiss_all", "classroom_id": 7}, ("error", "invalid_field"), None),
    ("floor-grant", {"type": "floor.grant", "hand_id": "h2"}, ("ok", "floor.grant"), None),
    ("floor-grant-with-video", {"type": "floor.grant", "id": "g1", "hand_id": "h2", "with_video": True}, ("ok", "floor.grant"), "g1"),
    ("floor-grant-id-missing", {"type": "floor.grant", "with_video": False}, ("error", "invalid_field"), None),
    ("floor-grant-with-video-string", {"type": "floor.grant", "hand_id": "h2", "with_video": "yes"}, ("error", "invalid_field"), None),
    ("floor-end", {"type": "floor.end"}, ("ok", "floor.end"), None),
    ("floor-end-request-id-empty", {"type": "floor.end", "id": ""}, ("error", "invalid_field"), None),
    ("chat-send-lesson", {"type": "chat.send", "id": "m1", "scope": "lesson", "text": "Hello, everyone"}, ("ok", "chat.send"), "m1"),
    ("chat-send-classroom", {"type": "chat.send", "scope": "classroom", "classroom_id": "c1", "text": "Сәлем"}, ("ok", "chat.send"), None),
    ("chat-send-classroom-own", {"type": "chat.send", "scope": "classroom", "text": "our classroom"}, ("ok", "chat.send"), None),
    ("chat-send-private", {"type": "chat.send", "scope": "private", "to": "t-hub", "text": "I did not understand"}, ("ok", "chat.send"), None),
    ("chat-send-private-without-to", {"type": "chat.send", "id": "m2", "scope": "private", "text": "to whom?"}, ("error", "invalid_field"), "m2"),
    ("chat-send-scope-unknown", {"type": "chat.send", "scope": "everyone", "text": "hi"}, ("error", "invalid_field"), None),
    ("chat-send-scope-missing", {"type": "chat.send", "text": "hi"}, ("error", "invalid_field"), None),
    ("chat-send-text-missing", {"type": "chat.send", "scope": "lesson"}, ("error", "invalid_field"), None),
    ("chat-send-text-number", {"type": "chat.send", "scope": "lesson", "text": 42}, ("error", "invalid_field"), None),
    ("chat-delete", {"type": "chat.delete", "message_id": "m12"}, ("ok", "chat.delete"), None),
    ("chat-delete-id-missing", {"type": "chat.delete"}, ("error", "invalid_field"), None),
    ("chat-lock", {"type": "chat.lock", "locked": True}, ("ok", "chat.lock"), None),
    ("chat-lock-classroom-unlock", {"type": "chat.lock", "classroom_id": "c2", "locked": False}, ("ok", "chat.lock"), None),
    ("chat-lock-locked-missing", {"type": "chat.lock", "classroom_id": "c2"}, ("error", "invalid_field"), None),
    ("chat-lock-locked-string", {"type": "chat.lock", "locked": "true"}, ("error", "invalid_field"), None),
    ("chat-mute-60", {"type": "chat.mute", "participant_id": "s1-0", "seconds": 60}, ("ok", "chat.mute"), None),
    ("chat-mute-0-unmutes", {"type": "chat.mute", "participant_id": "s1-0", "seconds": 0}, ("ok", "chat.mute"), None),
    ("chat-mute-3600", {"type": "chat.mute", "participant_id": "s1-0", "seconds": 3600}, ("ok", "chat.mute"), None),
    ("chat-mute-3601", {"type": "chat.mute", "id": "u1", "participant_id": "s1-0", "seconds": 3601}, ("error", "invalid_field"), "u1"),
    ("chat-mute-negative", {"type": "chat.mute", "participant_id": "s1-0", "seconds": -1}, ("error", "invalid_field"), None),
    ("chat-mute-fraction", {"type": "chat.mute", "participant_id": "s1-0", "seconds": 1.5}, ("error", "invalid_field"), None),
    ("chat-mute-participant-missing", {"type": "chat.mute", "seconds": 60}, ("error", "invalid_field"), None),
    ("chat-history-from-start", {"type": "chat.history", "after_seq": 0}, ("ok", "chat.history"), None),
    ("chat-history-limit-200", {"type": "chat.history", "id": "c9", "after_seq": 41, "limit": 200}, ("ok", "chat.history"), "c9"),
    ("chat-history-limit-0", {"type": "chat.history", "after_seq": 0, "limit": 0}, ("error", "invalid_field"), None),
    ("chat-history-limit-201", {"type": "chat.history", "after_seq": 0, "limit": 201}, ("error", "invalid_field"), None),
    ("chat-history-after-negative", {"type": "chat.history", "after_seq": -1}, ("error", "invalid_field"), None),
    ("chat-history-after-missing", {"type": "chat.history", "limit": 10}, ("error", "invalid_field"), None),
    ("poll-start-single", {"type": "poll.start", "kind": "single_choice", "question": "Which floats?", "options": ["iron", "wood", "stone"]}, ("ok", "poll.start"), None),
    ("poll-start-multiple", {"type": "poll.start", "kind": "multiple_choice", "question": "Which float?", "options": ["ice", "wood"]}, ("ok", "poll.start"), None),
    ("poll-start-scale", {"type": "poll.start", "id": "q1", "kind": "scale", "question": "How well did you understand?"}, ("ok", "poll.start"), "q1"),
    ("poll-start-kind-short-name", {"type": "poll.start", "kind": "single", "question": "?", "options": ["a", "b"]}, ("error", "invalid_field"), None),
    ("poll-start-question-missing", {"type": "poll.start", "kind": "scale"}, ("error", "invalid_field"), None),
    ("poll-start-options-string", {"type": "poll.start", "kind": "single_choice", "question": "?", "options": "a,b"}, ("error", "invalid_field"), None),
    ("poll-answer-option", {"type": "poll.answer", "poll_id": "p1", "choice": {"options": [1]}}, ("ok", "poll.answer"), None),
    ("poll-answer-value", {"type": "poll.answer", "poll_id": "p2", "choice": {"value": 7}}, ("ok", "poll.answer"), None),
    ("poll-answer-choice-empty", {"type": "poll.answer", "poll_id": "p1", "choice": {}}, ("error", "invalid_field"), None),
    ("poll-answer-choice-missing", {"type": "poll.answer", "poll_id": "p1"}, ("error", "invalid_field"), None),
    ("poll-answer-options-strings", {"type": "poll.answer", "poll_id": "p1", "choice": {"options": ["a"]}}, ("error", "invalid_field"), None),
    ("poll-tally", {"type": "poll.tally", "poll_id": "p1", "counts": [3, 4, 0]}, ("ok", "poll.tally"), None),
    ("poll-tally-respondents", {"type": "poll.tally", "poll_id": "p1", "counts": [3, 4], "respondents": 5}, ("ok", "poll.tally"), None),
    ("poll-tally-counts-missing", {"type": "poll.tally", "poll_id": "p1"}, ("error", "invalid_field"), None),
    ("poll-tally-counts-strings", {"type": "poll.tally", "poll_id": "p1", "counts": ["3"]}, ("error", "invalid_field"), None),
    ("poll-close", {"type": "poll.close", "poll_id": "p1"}, ("ok", "poll.close"), None),
    ("poll-close-id-missing", {"type": "poll.close"}, ("error", "invalid_field"), None),
    ("share-start", {"type": "share.start"}, ("ok", "share.start"), None),
    ("share-start-request-id-empty", {"type": "share.start", "id": ""}, ("error", "invalid_field"), None),
    ("share-stop", {"type": "share.stop", "id": "x1"}, ("ok", "share.stop"), "x1"),
    ("share-stop-request-id-number", {"type": "share.stop", "id": 5}, ("error", "invalid_field"), None),
    ("share-request", {"type": "share.request"}, ("ok", "share.request"), None),
    ("share-request-request-id-empty", {"type": "share.request", "id": ""}, ("error", "invalid_field"), None),
    ("share-grant", {"type": "share.grant", "participant_id": "t1"}, ("ok", "share.grant"), None),
    ("share-grant-participant-missing", {"type": "share.grant"}, ("error", "invalid_field"), None),
    ("share-refuse", {"type": "share.refuse", "participant_id": "s2-1"}, ("ok", "share.refuse"), None),
    ("share-refuse-participant-empty", {"type": "share.refuse", "participant_id": ""}, ("error", "invalid_field"), None),
    ("signal-offer", {"type": "signal", "to": "screen-c1", "kind": "offer", "payload": "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n"}, ("ok", "signal"), None),
    ("signal-ice", {"type": "signal", "id": "i1", "to": "t-hub", "kind": "ice", "payload": "{\"candidate\":\"candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host\"}"}, ("ok", "signal"), "i1"),
    ("signal-kind-unknown", {"type": "signal", "to": "t-hub", "kind": "candidate", "payload": "x"}, ("error", "invalid_field"), None),
    ("signal-payload-missing", {"type": "signal", "to": "t-hub", "kind": "offer"}, ("error", "invalid_field"), None),
    ("signal-to-missing", {"type": "signal", "kind": "answer", "payload": "v=0"}, ("error", "invalid_field"), None),
]


def main():
    folder = os.path.join(HERE, "control")
    for name, message, (outcome, value), request_id in CASES:
        expect = {outcome: value}
        if request_id is not None:
            expect["id"] = request_id
        vector = {"name": name, "input": json.dumps(message, ensure_ascii=False, separators=(",", ":")), "expect": expect}
        with open(os.path.join(folder, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(vector, f, ensure_ascii=False, indent=2)
            f.write("\n")
    print(f"wrote {len(CASES)} interaction vectors")


if __name__ == "__main__":
    main()
