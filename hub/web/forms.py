"""Reading a posted form (``application/x-www-form-urlencoded``, as every page's form is sent):
each field once, short, and nothing else."""

from urllib.parse import parse_qs

from starlette.requests import Request

# No page's form comes near this; a larger body is not a form of ours.
MAX_FORM_BYTES = 16_384
MAX_FIELDS = 32


class BadForm(ValueError):
    """A body that is not one of our forms."""


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a posted form, each by its name (a repeated name keeps the first)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadForm("a form is sent as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise BadForm("the form is too large")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadForm("the form could not be read") from None
    return {name: values[0] for name, values in fields.items()}
