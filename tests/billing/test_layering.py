"""The billing core stays pure: usable from a script, with no web, telephony or Rasa imports."""

import subprocess
import sys

CHECK = """
import pkgutil, importlib, sys
import billing_core, billing_core.backoffice
for pkg in (billing_core, billing_core.backoffice):
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
import billing_core.schema
billing_core.schema.all_metadata()  # channel tables too, as migrations load them
print(sorted(m for m in ("flask", "twilio", "rasa_sdk", "rasa") if m in sys.modules))
"""


def test_importing_every_billing_core_module_loads_no_flask_twilio_or_rasa():
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
