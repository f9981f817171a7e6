// The widget manager (embed-amd.js) loads its fonts through the AMD loader, relative to the page:
// point those module paths at the folder of the local copies (this script's own folder), so that
// every page finds them, at any depth, from file:// too.
(function () {
  var src = document.currentScript.src;
  var base = src.substring(0, src.lastIndexOf("/"));
  require.config({paths: {"@jupyter-widgets/html-manager/dist": base, "@jupyter-widgets": base}});
})();
