"""The web interface's templates and static files (`/ui/`, routes in `api.routes.ui`).

Pages are Jinja2 templates rendered around the library's analysis templates (`cxtext/analysis/templates`),
so the dashboard and the HTML report share one design; `ui.js` is written here (no CDN, works offline).
"""

from pathlib import Path

UI_DIR = Path(__file__).parent
TEMPLATES_DIR = UI_DIR / "templates"
STATIC_DIR = UI_DIR / "static"
