"""Sphinx configuration of the leanredis docs site (build and serve: ``leanredis docs``; build only: ``--no-serve``)."""

from __future__ import annotations

import sys
from pathlib import Path

# autodoc imports the package it documents: the checkout's, not one installed elsewhere
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import leanredis  # noqa: E402

project = "leanredis"
author = "the leanredis authors"
copyright = "the leanredis authors"
release = leanredis.__version__
version = release

extensions = ["sphinx.ext.autodoc", "myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
# bench/ holds the lab's raw results (the Benchmarks page links them)
exclude_patterns = ["_build", "bench"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = False
autodoc_default_options = {"undoc-members": True}

html_theme = "furo"
html_title = f"leanredis {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

# One table-of-contents entry per documented method (some 5,000) makes every page's navigation
# tree cost seconds to build: the pages list their objects themselves.
toc_object_entries = False


def setup(app):  # noqa: ANN001, ANN201  (Sphinx's hook)
    from sphinx.addnodes import download_reference, pending_xref
    from sphinx.transforms import SphinxTransform
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class RawResultsAreDownloads(SphinxTransform):
        """A link to a Markdown file of the lab's raw results (``bench/.../profile.md``) is a download, as its logs are.

        MyST takes any ``.md`` path for a page of the site, and bench/ holds no pages (exclude_patterns): the link,
        right on GitHub, would be a broken reference here. Runs while the page is read, so that Sphinx still copies
        the file as it copies the logs.
        """

        default_priority = 5

        def apply(self, **kwargs: object) -> None:
            for node in list(self.document.findall(pending_xref)):
                target = node.get("reftarget", "")
                if node.get("refdomain") == "doc" and target.split("/", 1)[0] == "bench":
                    download = download_reference(
                        refdoc=node["refdoc"], reftarget=f"/{target}.md", refexplicit=True, refdomain=None
                    )
                    download += node.children
                    node.replace_self(download)

    app.add_transform(RawResultsAreDownloads)

    class UnlinkUnknownTypes(SphinxPostTransform):
        """Type names that are not documented here (``str``, ``Any``, type aliases) become plain text.

        Sphinx looks such a name up by scanning every documented object ("fuzzy" search), once per
        occurrence: with thousands of methods that was most of the build's time, to find nothing.
        Runs before Sphinx's own resolver (priority 10); a name documented here keeps its link.
        """

        default_priority = 5

        def run(self, **kwargs: object) -> None:
            objects = self.env.domains["py"].objects
            for node in list(self.document.findall(pending_xref)):
                if node.get("refdomain") != "py":
                    continue
                target = node.get("reftarget", "")
                module, cls = node.get("py:module"), node.get("py:class")
                names = (target, f"{module}.{target}", f"{module}.{cls}.{target}", f"leanredis.{target}")
                if not any(name in objects for name in names):
                    node.replace_self(node.children)

    app.add_post_transform(UnlinkUnknownTypes)
