"""The ASGI entry point for uvicorn: ``shortbreaks.asgi:app``."""

from shortbreaks.app import create_app
from shortbreaks.settings import load_settings

app = create_app(load_settings())
