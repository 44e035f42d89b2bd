import logging

from django.contrib.staticfiles import finders
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)
_warned: set[str] = set()


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # Rewrite ES-module `import … from '…'` paths to hashed names too, so iwp.js loads the hashed bundles.
    support_js_module_import_aggregation = True

    def stored_name(self, name: str) -> str:
        """The hashed name from the manifest; without one (``collectstatic`` not run, as on a laptop with
        DEBUG off) the plain name, which WhiteNoise serves from the app folders (WHITENOISE_USE_FINDERS).
        A page must never be a 500 for want of a build step."""
        try:
            return super().stored_name(name)
        except ValueError:
            if finders.find(name) is None:
                # Named by a vendored file (a source-map comment, a bundle's import) but not shipped: nothing to
                # serve either way, and not something collectstatic would fix.
                logger.debug("static file %s is referenced but does not exist", name)
            else:
                logger.warning(
                    "static file %s is not in the manifest: serving it unhashed (run collectstatic)", name
                )
            return name
