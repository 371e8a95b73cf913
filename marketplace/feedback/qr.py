"""The printable QR code of a pilot's feedback page, as SVG (the `qrcode` library's
path image: one <path>, no embedded raster, no script), made from the site's public
address (`PUBLIC_BASE_URL`), never from the request's Host."""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def svg(url: str) -> bytes:
    """The QR code of `url` as a standalone SVG document (bytes, UTF-8), error correction
    level M (about 15% of the code may be dirty or torn: it hangs at a pilot site)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    out = BytesIO()
    code.make_image().save(out)
    return out.getvalue()
