"""Tortoise configuration for the ``tortoise`` command (``makemigrations``, ``history``, ``sqlmigrate``).

Used as ``tortoise -c shortbreaks.tortoise_conf.TORTOISE_ORM makemigrations``; ``make migrations`` wraps it.
"""

from shortbreaks.db import tortoise_config
from shortbreaks.settings import load_settings

TORTOISE_ORM = tortoise_config(load_settings())
