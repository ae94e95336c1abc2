#!/usr/bin/python3
"""Checks an HTML page for fxq's tests with Python's own html.parser (independent of fxq's writer).

usage: check_html.py PAGE.html   -> prints JSON on stdout:
  {"errors": [...],    every tag closed in order, a doctype, <html>/<head>/<body> present
   "external": [...],  anything that would fetch or link outside the page: http(s)/file/ftp URLs,
                       src/href/srcset/poster/action/data attributes, CSS url()/@import, <script>,
                       <link>, <iframe>, <object>, <embed>, <img>
   "counts": {"<tag>": n, "<tag>.<class>": n, "<tag>#<id>": n, "head><tag>": n, ...}}
Exit code 0 when it could parse the file, 4 when the file is unreadable.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FETCHING_TAGS = {"script", "link", "iframe", "object", "embed", "img", "audio", "video", "frame"}
LINK_ATTRS = {"src", "href", "xlink:href", "srcset", "poster", "action", "data", "formaction", "background"}
URL_RE = re.compile(r"(https?|ftp|file)://|//[a-z0-9.-]+\.[a-z]{2,}/", re.I)


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.external, self.counts = [], [], [], {}
        self.doctype = False

    def count(self, key):
        self.counts[key] = self.counts.get(key, 0) + 1

    def opened(self, tag, attrs):
        self.count(tag)
        for name, value in attrs:
            if name == "class" and value:
                for c in value.split():
                    self.count(f"{tag}.{c}")
            if name == "id" and value:
                self.count(f"{tag}#{value}")
            if name in LINK_ATTRS:
                self.external.append(f"<{tag} {name}={value!r}>")
            if value and (URL_RE.search(value) or "url(" in value.lower()):
                self.external.append(f"<{tag} {name}={value!r}>")
        if tag in FETCHING_TAGS:
            self.external.append(f"<{tag}>")

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag, attrs):
        self.opened(tag, attrs)
        if self.stack and self.stack[-1][0] == "head":
            self.count(f"head>{tag}")
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):  # <rect .../>: opened and closed at once
        self.opened(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append(f"line {self.getpos()[0]}: </{tag}> closes nothing")
        elif self.stack[-1][0] != tag:
            open_tag, pos = self.stack[-1]
            self.errors.append(f"line {self.getpos()[0]}: </{tag}> while <{open_tag}> (line {pos[0]}) is open")
            # resynchronise on the nearest matching open tag, so one error is reported once
            for k in range(len(self.stack) - 1, -1, -1):
                if self.stack[k][0] == tag:
                    del self.stack[k:]
                    break
        else:
            self.stack.pop()

    def handle_data(self, data):
        if URL_RE.search(data):
            self.external.append(f"text: {URL_RE.search(data).group(0)}")
        lowered = data.lower()
        if "url(" in lowered or "@import" in lowered:
            self.external.append("css url()/@import")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: check_html.py PAGE.html\n")
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            page = f.read()
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write(f"check_html.py: {sys.argv[1]}: {e}\n")
        return 4
    c = Checker()
    c.feed(page)
    c.close()
    for tag, pos in c.stack:
        c.errors.append(f"<{tag}> (line {pos[0]}) is never closed")
    if not c.doctype:
        c.errors.append("no <!DOCTYPE html>")
    for tag in ("html", "head", "body", "head>title"):
        if c.counts.get(tag, 0) != 1:
            c.errors.append(f"<{tag}> appears {c.counts.get(tag, 0)} times, not once")
    print(json.dumps({"errors": c.errors, "external": c.external, "counts": c.counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
