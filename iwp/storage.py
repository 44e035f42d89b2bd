import logging

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
            logger.warning(
                "static file %s is not in the manifest: serving it unhashed (run collectstatic)", name
            )
            return name
