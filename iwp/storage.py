from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # Rewrite ES-module `import … from '…'` paths to hashed names too, so iwp.js loads the hashed bundles.
    support_js_module_import_aggregation = True
