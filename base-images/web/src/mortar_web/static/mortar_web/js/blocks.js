/* Content blocks: a video loads its player (and the host's requests) only when clicked. */
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".block-video__load");
  if (!link) return;
  var frame = link.closest(".block-video__frame");
  var src = frame && frame.getAttribute("data-embed");
  if (!src) return;
  event.preventDefault();
  var iframe = document.createElement("iframe");
  iframe.src = src;
  iframe.title = frame.getAttribute("data-title") || "";
  iframe.allow = "autoplay; fullscreen; picture-in-picture; encrypted-media";
  iframe.allowFullscreen = true;
  iframe.referrerPolicy = "strict-origin-when-cross-origin";
  frame.replaceChildren(iframe);
  frame.classList.add("block-video__frame--playing");
});
