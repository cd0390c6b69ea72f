"""Offline call simulator: plays Twilio against the voice webhooks and prints what the caller hears.

    python -m ivr.simulate [--script calls.txt] [--from +16175550101] [--url https://host]

It signs each request with TWILIO_AUTH_TOKEN like Twilio does, follows the TwiML (Say, Gather,
Redirect, Dial, Enqueue, Hangup, and Pay for a bank account, playing the connector too) and reads
the caller's answers from the terminal or a script file: one answer a line, keys (`1`,
`1000000001`, `198*50`) or words; `-` or an empty line is silence; `#` starts a comment. By default it drives the Flask app in-process.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TextIO
from urllib.parse import urljoin, urlsplit

import requests
from lxml import etree
from twilio.request_validator import RequestValidator

from billing_core.startup import refuses_without_secrets
from ivr.config import ChannelSettings

KEYS = re.compile(r"[0-9*#]+")
IN_PROCESS_BASE = "http://localhost"


class Transport:
    """Posts a signed form to a URL path and returns (status, body)."""

    def __init__(
        self, base: str, token: str, post: Callable[[str, dict[str, str], dict[str, str]], Any]
    ):
        self.base = base.rstrip("/")
        self.validator = RequestValidator(token)
        self._post = post

    def __call__(self, path: str, form: dict[str, str]) -> tuple[int, bytes]:
        url = urljoin(self.base + "/", path.lstrip("/")) if not path.startswith("http") else path
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, form)}
        target = url if self.base != IN_PROCESS_BASE else url.removeprefix(IN_PROCESS_BASE)
        return self._post(target, form, headers)


def in_process(token: str) -> Transport:
    from ivr.app import create_app

    client = create_app().test_client()

    def post(path: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        response = client.post(path, data=form, headers=headers)
        return response.status_code, response.data

    return Transport(IN_PROCESS_BASE, token, post)


def over_http(base: str, token: str) -> Transport:
    session = requests.Session()

    def post(url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        response = session.post(url, data=form, headers=headers, timeout=20)
        return response.status_code, response.content

    return Transport(base, token, post)


def answers_from(source: TextIO, echo: bool) -> Iterator[str | None]:
    """Yields each answer (None = the caller hung up: the script or the terminal ended)."""
    for line in source:
        text = line.strip()
        if not KEYS.fullmatch(text):
            if text.startswith("#"):
                continue
            text = text.split(" #", 1)[0].strip()
        if echo:
            print(f"  caller > {text if text not in ('', '-') else '(silence)'}")
        yield "" if text == "-" else text
    yield None


class Phone:
    def __init__(self, transport: Transport, caller: str, to: str, out: TextIO = sys.stdout):
        self.send = transport
        self.sid = "CA" + uuid.uuid4().hex
        self.form = {"CallSid": self.sid, "From": caller, "To": to, "AccountSid": "AC" + "0" * 32}
        self.out = out

    def hear(self, text: str) -> None:
        print(f"  voice  : {text}", file=self.out)

    def post(self, path: str, extra: dict[str, str]) -> etree._Element | None:
        status, body = self.send(path, {**self.form, **extra})
        if status >= 300:
            print(
                f"  [HTTP {status} from {urlsplit(path).path}: Twilio would say 'application error']",
                file=self.out,
            )
            return None
        return etree.fromstring(body) if body.strip() else None

    def run(self, answers: Iterator[str | None]) -> None:
        doc = self.post("/voice/incoming", {"CallStatus": "ringing", "Direction": "inbound"})
        while doc is not None:
            doc = self.play(doc, answers)
        self.post("/voice/status", {"CallStatus": "completed"})

    def play(self, doc: etree._Element, answers: Iterator[str | None]) -> etree._Element | None:
        for verb in doc:
            tag = verb.tag
            if tag == "Say":
                self.hear(verb.text or "")
            elif tag == "Pause":
                continue
            elif tag == "Gather":
                for say in verb.iter("Say"):
                    self.hear(say.text or "")
                answer = next(answers)
                if answer is None:
                    print("  [caller hangs up]", file=self.out)
                    return None
                if not answer:
                    continue  # silence: fall through to the next verb, as Twilio does
                keypad_only = verb.get("input", "dtmf") == "dtmf"
                if KEYS.fullmatch(answer):
                    finish = verb.get("finishOnKey", "#")
                    digits = (
                        answer[: -len(finish)] if finish and answer.endswith(finish) else answer
                    )
                    extra = {"Digits": digits}
                elif keypad_only:
                    print(
                        "  [this prompt takes keys only; the words were not heard]", file=self.out
                    )
                    continue
                else:
                    extra = {"SpeechResult": answer, "Confidence": "0.9"}
                return self.post(verb.get("action") or "", {**extra, "CallStatus": "in-progress"})
            elif tag == "Redirect":
                return self.post(verb.text or "", {"CallStatus": "in-progress"})
            elif tag in ("Dial", "Enqueue"):
                # <Dial><Number url=whisper>, <Enqueue workflowSid><Task>{attributes}</Task>.
                inner = " ".join((child.text or "").strip() for child in verb)
                target = (verb.text or "").strip() or verb.get("workflowSid") or ""
                print(f"  [transferred: <{tag}> {target} {inner}".rstrip() + "]", file=self.out)
                return None
            elif tag == "Hangup":
                print("  [Twilio hangs up]", file=self.out)
                return None
            elif tag == "Pay":
                return self.pay(verb, answers)
            else:
                print(f"  [ignoring <{tag}>]", file=self.out)
        print("  [end of TwiML: Twilio hangs up]", file=self.out)
        return None

    def pay(self, verb: etree._Element, answers: Iterator[str | None]) -> etree._Element | None:
        """Plays Twilio <Pay> and its connector: asks for the numbers with the app's own prompts
        (keys only), and answers the action URL with a token and the masked account number."""
        method = verb.get("paymentMethod")
        if method != "ach-debit":
            print(f"  [<Pay> {method}: not simulated]", file=self.out)
            return self.post(verb.get("action") or "", {"Result": "internal-error"})
        entered: dict[str, str] = {}
        for field in ("bank-routing-number", "bank-account-number"):
            prompt = verb.find(f"Prompt[@for='{field}']")
            for say in prompt.iter("Say") if prompt is not None else ():
                self.hear(say.text or "")
            answer = next(answers)
            if answer is None:
                print("  [caller hangs up]", file=self.out)
                return self.post(verb.get("action") or "", {"Result": "caller-hung-up"})
            keys = answer.removesuffix("#")
            if keys.startswith("*"):
                return self.post(
                    verb.get("action") or "", {"Result": "caller-interrupted-with-star"}
                )
            entered[field] = keys
        number = entered["bank-account-number"]
        print("  [the connector tokenizes the bank account]", file=self.out)
        return self.post(
            verb.get("action") or "",
            {
                "Result": "success",
                "PaymentMethod": "ach-debit",
                "PaymentToken": "sim_" + uuid.uuid4().hex[:12],
                "BankAccountType": verb.get("bankAccountType") or "consumer-checking",
                "BankAccountNumber": "x" * max(len(number) - 4, 0) + number[-4:],
                "BankRoutingNumber": entered["bank-routing-number"],
                "CallStatus": "in-progress",
            },
        )


@refuses_without_secrets
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ivr.simulate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--script", type=argparse.FileType("r"), help="answers, one a line")
    parser.add_argument("--from", dest="caller", default="+16175550101", help="caller ID")
    parser.add_argument("--to", default="+18776236765")
    parser.add_argument("--url", help="base URL of a running app (default: in-process)")
    args = parser.parse_args(argv)
    token = ChannelSettings.from_env().twilio_auth_token
    transport = over_http(args.url, token) if args.url else in_process(token)
    phone = Phone(transport, args.caller, args.to)
    print(f"Calling {args.to} from {args.caller} (CallSid {phone.sid})")
    if args.script:
        answers = answers_from(args.script, echo=True)
    else:
        answers = answers_from(_terminal(), echo=False)
    phone.run(answers)
    return 0


def _terminal() -> Iterator[str]:
    while True:
        try:
            yield input("  caller > ") + "\n"
        except EOFError:
            return


if __name__ == "__main__":
    raise SystemExit(main())
