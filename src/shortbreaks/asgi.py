"""The ASGI entry point, ``shortbreaks.asgi:app``: what ``shortbreaks serve`` runs in gunicorn's uvicorn workers."""

from shortbreaks.app import create_app
from shortbreaks.logs import configure_server_logging
from shortbreaks.settings import load_settings

settings = load_settings()
configure_server_logging(json_format=settings.json_logs, level=settings.log_level)
app = create_app(settings)
