// The sidebar buttons. pydata-sphinx-theme 0.17 and sphinx-book-theme 1.3 each attach their
// click handlers to the FIRST ".primary-toggle" (and ".secondary-toggle") on the page, which is
// pydata's navbar icon that the book theme hides; the button a reader sees and presses had none,
// so it did nothing, on a phone or a desktop. Each other copy now hands its click to the one
// with the handlers (the book theme then collapses the sidebar on a wide screen, and pydata
// opens it as a drawer on a narrow one).
document.addEventListener("DOMContentLoaded", () => {
  for (const selector of [".primary-toggle", ".secondary-toggle"]) {
    const [handled, ...others] = document.querySelectorAll(selector);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        handled.click();
      });
    }
  }
});
