"""NACHA files: the record layout (records), a writer (writer), a strict parser that re-checks every
count, hash and total (parser), and the job that files a day's pending debits and refund credits
(origination). The names below are the package's public API."""

from billing_core.backoffice.nacha.origination import (
    DESCRIPTION,
    FILE_ID_MODIFIERS,
    RETRY_DESCRIPTION,
    FileResult,
    discard_files,
    originate_file,
    publish_files,
    run_origination,
)
from billing_core.backoffice.nacha.parser import (
    Addenda,
    ParsedBatch,
    ParsedEntry,
    ParsedFile,
    parse_file,
    verify,
)
from billing_core.backoffice.nacha.records import (
    KIND_BY_CODE,
    RETURN_CODES,
    NachaFormatError,
    entry_hash_of,
)
from billing_core.backoffice.nacha.writer import Batch, Entry, Originator, build_file

__all__ = [
    "DESCRIPTION",
    "FILE_ID_MODIFIERS",
    "KIND_BY_CODE",
    "RETRY_DESCRIPTION",
    "RETURN_CODES",
    "Addenda",
    "Batch",
    "Entry",
    "FileResult",
    "NachaFormatError",
    "Originator",
    "ParsedBatch",
    "ParsedEntry",
    "ParsedFile",
    "build_file",
    "discard_files",
    "entry_hash_of",
    "originate_file",
    "parse_file",
    "publish_files",
    "run_origination",
    "verify",
]
